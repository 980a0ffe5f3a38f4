package connect

import (
	"context"
	"errors"
	"fmt"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// NamedArg is a named parameter of a SQL statement, written :name in the query.
type NamedArg struct {
	Name  string
	Value any
}

// Named returns a named SQL parameter, for queries such as "SELECT * FROM t WHERE id = :id".
func Named(name string, value any) NamedArg { return NamedArg{Name: name, Value: value} }

// SQL runs a SQL statement and returns its result as a DataFrame. Commands (DDL, INSERT, SET)
// run at once, as in Spark's own clients; for queries the DataFrame stays lazy and runs at
// its first action.
//
// Parameters are positional (? markers) or named (:name markers, given with [Named]); a
// parameter is a Go value (see [Lit]) or a [Column]. DataFrames go into the text as tables
// with [Ref] ({name} markers).
func (s *Session) SQL(ctx context.Context, query string, args ...any) (*DataFrame, error) {
	rel := &sparkpb.SQL{Query: query}
	var refs []DataFrameArg
	for i, a := range args {
		switch a := a.(type) {
		case DataFrameArg:
			refs = append(refs, a)
		case NamedArg:
			e, err := argExpr(a.Value)
			if err != nil {
				return nil, fmt.Errorf("sql parameter :%s: %w", a.Name, err)
			}
			if rel.NamedArguments == nil {
				rel.NamedArguments = map[string]*sparkpb.Expression{}
			}
			rel.NamedArguments[a.Name] = e
		default:
			e, err := argExpr(a)
			if err != nil {
				return nil, fmt.Errorf("sql parameter %d: %w", i+1, err)
			}
			rel.PosArguments = append(rel.PosArguments, e)
		}
	}
	if len(rel.NamedArguments) > 0 && len(rel.PosArguments) > 0 {
		return nil, fmt.Errorf("sql: positional and named parameters cannot be mixed")
	}
	input := &sparkpb.Relation{RelType: &sparkpb.Relation_Sql{Sql: rel}}
	if err := s.usable(); err != nil {
		return nil, err
	}
	var views []*sparkpb.Relation
	if len(refs) > 0 {
		q, v, err := s.sqlWithRefs(query, refs)
		if err != nil {
			return nil, err
		}
		rel.Query, views = q, v
	}
	var ids []int64
	if collectSubqueryIDs(input.ProtoReflect(), true, &ids); len(ids) > 0 {
		// Spark takes only Ref's views next to a statement, not subquery plans.
		return nil, errSubqueryParameter
	}
	if len(views) > 0 {
		input = withRelations(s, input, views)
	}
	resps, err := s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_SqlCommand{
		SqlCommand: &sparkpb.SqlCommand{Input: input},
	}})
	if err != nil {
		return nil, err
	}
	for _, r := range resps {
		if res := r.GetSqlCommandResult(); res != nil && res.GetRelation() != nil {
			return s.newDataFrame(res.GetRelation()), nil
		}
	}
	return nil, fmt.Errorf("spark connect: sql: the server returned no result relation")
}

var errSubqueryParameter = errors.New("sql: a subquery Column cannot be a parameter; pass its DataFrame with Ref and write (SELECT ... FROM {name}) in the query")

func argExpr(v any) (*sparkpb.Expression, error) {
	c, ok := v.(Column)
	if !ok {
		c = Lit(v)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return c.expr, nil
}

// Range returns a DataFrame with one bigint column "id" holding start, start+step, ... up to
// but excluding end.
func (s *Session) Range(start, end, step int64) *DataFrame {
	if step == 0 {
		return &DataFrame{s: s, err: fmt.Errorf("range: step must not be 0")}
	}
	return s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: &sparkpb.Range{
		Start: &start, End: end, Step: step,
	}}})
}

// Table returns the table or view with the given (possibly qualified) name.
func (s *Session) Table(name string) *DataFrame {
	return s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
		ReadType: &sparkpb.Read_NamedTable_{NamedTable: &sparkpb.Read_NamedTable{UnparsedIdentifier: name}},
	}}})
}
