package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// explainString is the answer to every explain request.
const explainString = "== Physical Plan ==\nLocalTableScan [fakeserver]\n"

// AnalyzePlan implements sparkpb.SparkConnectServiceServer.
func (s *Server) AnalyzePlan(ctx context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return nil, err
	}
	if err := s.takeFailure(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.onAnalyze
	s.mu.Unlock()
	var resp *sparkpb.AnalyzePlanResponse
	var err error
	if hook != nil {
		resp, err = hook(ctx, req)
	}
	if hook == nil || errors.Is(err, ErrUseDefault) {
		resp, err = s.analyze(req)
	}
	if err != nil {
		return nil, err
	}
	if resp.GetSessionId() == "" {
		resp.SessionId = req.GetSessionId()
	}
	if resp.GetServerSideSessionId() == "" {
		resp.ServerSideSessionId = s.ServerSideSessionID()
	}
	return resp, nil
}

func (s *Server) analyze(req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
	resp := &sparkpb.AnalyzePlanResponse{}
	switch a := req.GetAnalyze().(type) {
	case *sparkpb.AnalyzePlanRequest_SparkVersion_:
		resp.Result = &sparkpb.AnalyzePlanResponse_SparkVersion_{SparkVersion: &sparkpb.AnalyzePlanResponse_SparkVersion{Version: SparkVersion}}
	case *sparkpb.AnalyzePlanRequest_Schema_:
		schema, err := s.schema(a.Schema.GetPlan())
		if err != nil {
			return nil, err
		}
		resp.Result = &sparkpb.AnalyzePlanResponse_Schema_{Schema: &sparkpb.AnalyzePlanResponse_Schema{Schema: SchemaType(schema)}}
	case *sparkpb.AnalyzePlanRequest_Explain_:
		resp.Result = &sparkpb.AnalyzePlanResponse_Explain_{Explain: &sparkpb.AnalyzePlanResponse_Explain{ExplainString: explainString}}
	case *sparkpb.AnalyzePlanRequest_TreeString_:
		schema, err := s.schema(a.TreeString.GetPlan())
		if err != nil {
			return nil, err
		}
		resp.Result = &sparkpb.AnalyzePlanResponse_TreeString_{TreeString: &sparkpb.AnalyzePlanResponse_TreeString{TreeString: treeString(schema)}}
	case *sparkpb.AnalyzePlanRequest_IsLocal_:
		local := a.IsLocal.GetPlan().GetRoot().GetLocalRelation() != nil
		resp.Result = &sparkpb.AnalyzePlanResponse_IsLocal_{IsLocal: &sparkpb.AnalyzePlanResponse_IsLocal{IsLocal: local}}
	case *sparkpb.AnalyzePlanRequest_IsStreaming_:
		streaming := isStreaming(a.IsStreaming.GetPlan().ProtoReflect())
		resp.Result = &sparkpb.AnalyzePlanResponse_IsStreaming_{IsStreaming: &sparkpb.AnalyzePlanResponse_IsStreaming{IsStreaming: streaming}}
	case *sparkpb.AnalyzePlanRequest_InputFiles_:
		resp.Result = &sparkpb.AnalyzePlanResponse_InputFiles_{InputFiles: &sparkpb.AnalyzePlanResponse_InputFiles{}}
	case *sparkpb.AnalyzePlanRequest_DdlParse:
		resp.Result = &sparkpb.AnalyzePlanResponse_DdlParse{DdlParse: &sparkpb.AnalyzePlanResponse_DDLParse{
			Parsed: &sparkpb.DataType{Kind: &sparkpb.DataType_Unparsed_{Unparsed: &sparkpb.DataType_Unparsed{DataTypeString: a.DdlParse.GetDdlString()}}},
		}}
	case *sparkpb.AnalyzePlanRequest_SameSemantics_:
		same := proto.Equal(a.SameSemantics.GetTargetPlan(), a.SameSemantics.GetOtherPlan())
		resp.Result = &sparkpb.AnalyzePlanResponse_SameSemantics_{SameSemantics: &sparkpb.AnalyzePlanResponse_SameSemantics{Result: same}}
	case *sparkpb.AnalyzePlanRequest_SemanticHash_:
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(a.SemanticHash.GetPlan()) // a valid message always marshals
		h := fnv.New32a()
		_, _ = h.Write(b)
		resp.Result = &sparkpb.AnalyzePlanResponse_SemanticHash_{SemanticHash: &sparkpb.AnalyzePlanResponse_SemanticHash{Result: int32(h.Sum32())}}
	case *sparkpb.AnalyzePlanRequest_Persist_:
		resp.Result = &sparkpb.AnalyzePlanResponse_Persist_{Persist: &sparkpb.AnalyzePlanResponse_Persist{}}
	case *sparkpb.AnalyzePlanRequest_Unpersist_:
		resp.Result = &sparkpb.AnalyzePlanResponse_Unpersist_{Unpersist: &sparkpb.AnalyzePlanResponse_Unpersist{}}
	case *sparkpb.AnalyzePlanRequest_GetStorageLevel_:
		resp.Result = &sparkpb.AnalyzePlanResponse_GetStorageLevel_{GetStorageLevel: &sparkpb.AnalyzePlanResponse_GetStorageLevel{
			StorageLevel: &sparkpb.StorageLevel{UseDisk: true, UseMemory: true, Deserialized: true, Replication: 1},
		}}
	default:
		return nil, SparkError(internalCode, "UNSUPPORTED_FEATURE", "0A000", fmt.Sprintf("fakeserver: analyze %T", a), "")
	}
	return resp, nil
}

// schema returns the schema of a plan's result: the first batch's, or an empty one.
func (s *Server) schema(plan *sparkpb.Plan) (*arrow.Schema, error) {
	recs, err := s.batches(plan)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	if err != nil || len(recs) == 0 {
		return arrow.NewSchema(nil, nil), err
	}
	return recs[0].Schema(), nil
}

// treeString renders a schema as Spark's printSchema does, with Arrow's type names.
func treeString(schema *arrow.Schema) string {
	var b strings.Builder
	b.WriteString("root\n")
	for _, f := range schema.Fields() {
		fmt.Fprintf(&b, " |-- %s: %s (nullable = %t)\n", f.Name, f.Type, f.Nullable)
	}
	return b.String()
}

// Config implements sparkpb.SparkConnectServiceServer: a map per session. Keys starting
// with "spark.sql." are modifiable, others are not.
func (s *Server) Config(ctx context.Context, req *sparkpb.ConfigRequest) (*sparkpb.ConfigResponse, error) {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.onConfig
	s.mu.Unlock()
	if hook != nil {
		resp, err := hook(ctx, req)
		if !errors.Is(err, ErrUseDefault) {
			return resp, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conf := s.conf[req.GetSessionId()]
	if conf == nil {
		conf = map[string]string{}
		s.conf[req.GetSessionId()] = conf
	}
	resp := &sparkpb.ConfigResponse{SessionId: req.GetSessionId(), ServerSideSessionId: s.serverSideID}
	pair := func(k string, v *string) { resp.Pairs = append(resp.Pairs, &sparkpb.KeyValue{Key: k, Value: v}) }
	lookup := func(k string) *string {
		if v, ok := conf[k]; ok {
			return &v
		}
		return nil
	}
	switch op := req.GetOperation().GetOpType().(type) {
	case *sparkpb.ConfigRequest_Operation_Set:
		for _, kv := range op.Set.GetPairs() {
			if kv.Value == nil {
				delete(conf, kv.GetKey())
			} else {
				conf[kv.GetKey()] = kv.GetValue()
			}
		}
	case *sparkpb.ConfigRequest_Operation_Get:
		for _, k := range op.Get.GetKeys() {
			v := lookup(k)
			if v == nil {
				return nil, SparkError(internalCode, "SQL_CONF_NOT_FOUND", "42K0I",
					fmt.Sprintf("The SQL config %q cannot be found. Please verify that the config exists.", k), "")
			}
			pair(k, v)
		}
	case *sparkpb.ConfigRequest_Operation_GetWithDefault:
		for _, kv := range op.GetWithDefault.GetPairs() {
			if v := lookup(kv.GetKey()); v != nil {
				pair(kv.GetKey(), v)
			} else {
				pair(kv.GetKey(), kv.Value)
			}
		}
	case *sparkpb.ConfigRequest_Operation_GetOption:
		for _, k := range op.GetOption.GetKeys() {
			pair(k, lookup(k))
		}
	case *sparkpb.ConfigRequest_Operation_GetAll:
		for _, k := range sortedKeys(conf) {
			if strings.HasPrefix(k, op.GetAll.GetPrefix()) {
				pair(k, lookup(k))
			}
		}
	case *sparkpb.ConfigRequest_Operation_Unset:
		for _, k := range op.Unset.GetKeys() {
			delete(conf, k)
		}
	case *sparkpb.ConfigRequest_Operation_IsModifiable:
		for _, k := range op.IsModifiable.GetKeys() {
			v := fmt.Sprint(strings.HasPrefix(k, "spark.sql."))
			pair(k, &v)
		}
	}
	return resp, nil
}

// FetchErrorDetails implements sparkpb.SparkConnectServiceServer: it answers with the
// details registered with RegisterErrorDetails, or an empty response.
func (s *Server) FetchErrorDetails(ctx context.Context, req *sparkpb.FetchErrorDetailsRequest) (*sparkpb.FetchErrorDetailsResponse, error) {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.onFetchError
	details := s.errorDetails[req.GetErrorId()]
	s.mu.Unlock()
	if hook != nil {
		resp, err := hook(ctx, req)
		if !errors.Is(err, ErrUseDefault) {
			return resp, err
		}
	}
	resp := &sparkpb.FetchErrorDetailsResponse{}
	if details != nil {
		resp = proto.Clone(details).(*sparkpb.FetchErrorDetailsResponse)
	}
	resp.SessionId, resp.ServerSideSessionId = req.GetSessionId(), s.ServerSideSessionID()
	return resp, nil
}

// ReleaseSession implements sparkpb.SparkConnectServiceServer: it ends the session's
// running operations and forgets its configuration.
func (s *Server) ReleaseSession(ctx context.Context, req *sparkpb.ReleaseSessionRequest) (*sparkpb.ReleaseSessionResponse, error) {
	if err := s.record(req, nil); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.onReleaseSession
	s.mu.Unlock()
	if hook != nil {
		resp, err := hook(ctx, req)
		if !errors.Is(err, ErrUseDefault) {
			return resp, err
		}
	}
	s.mu.Lock()
	var ops []*Operation
	for k, op := range s.operations {
		if k.session == req.GetSessionId() {
			ops = append(ops, op)
			delete(s.operations, k)
		}
	}
	delete(s.conf, req.GetSessionId())
	s.mu.Unlock()
	for _, op := range ops {
		op.stop(true)
	}
	return &sparkpb.ReleaseSessionResponse{SessionId: req.GetSessionId(), ServerSideSessionId: s.ServerSideSessionID()}, nil
}
