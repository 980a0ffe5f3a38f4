package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/producers"
)

// 5,000 clickstream events encoded as Avro go to a 3-partition topic; Spark reads the
// topic in batch and decodes the values with from_avro and the schema from
// Schema.AvroSchema: every field of every record equals what the seeded stream generated
// (replayed as JSON, an independent encoder, for the ground truth), and to_avro with the
// same schema gives back the exact bytes on the topic.
func TestProducerAvroFromAvro(t *testing.T) {
	const (
		n    = 5_000
		seed = 2024
	)
	ctx := testCtx(t, 5*time.Minute)
	topic := newTopic(t, ctx, 3)
	streamOpts := []producers.StreamOption{producers.WithSeed(seed), producers.WithInterval(10 * time.Millisecond)}
	stream, err := producers.NewStream(producers.NewClickstream(0), append(streamOpts, producers.WithEncoding(producers.EncodingAvro))...)
	if err != nil {
		t.Fatal(err)
	}
	schema := stream.Schema()
	p, err := producers.NewProducer(env.Brokers(), topic, producers.WithCount(n))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m, err := p.Run(ctx, stream)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if m.Acked != n || m.Failed != 0 || m.Malformed != 0 || m.Encoding != "avro" {
		t.Fatalf("acked %d, failed %d, malformed %d, encoding %s", m.Acked, m.Failed, m.Malformed, m.Encoding)
	}

	// Ground truth: the same seed replayed as JSON (the encoding does not change the
	// events), keyed by event_id, which is unique; and as Avro, for the raw bytes.
	replayJSON, err := producers.NewStream(producers.NewClickstream(0), streamOpts...)
	if err != nil {
		t.Fatal(err)
	}
	replayAvro, err := producers.NewStream(producers.NewClickstream(0), append(streamOpts, producers.WithEncoding(producers.EncodingAvro))...)
	if err != nil {
		t.Fatal(err)
	}
	type truth struct {
		key    string
		fields map[string]any
		avro   []byte
	}
	want := make(map[string]*truth, n)
	for i := range n {
		ej, err := replayJSON.Next()
		if err != nil {
			t.Fatal(err)
		}
		ea, err := replayAvro.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ej.Key, ea.Key) || !ej.EventTime.Equal(ea.EventTime) {
			t.Fatalf("event %d: JSON and Avro streams differ: key %s/%s, time %v/%v", i, ej.Key, ea.Key, ej.EventTime, ea.EventTime)
		}
		var raw map[string]any
		dec := json.NewDecoder(bytes.NewReader(ej.Value))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		fields := map[string]any{}
		for _, f := range schema.Fields {
			v, ok := raw[f.Name]
			if !ok {
				t.Fatalf("event %d: no field %s in %s", i, f.Name, ej.Value)
			}
			switch f.Type {
			case producers.TypeString:
				fields[f.Name] = v.(string)
			case producers.TypeLong:
				x, err := v.(json.Number).Int64()
				if err != nil {
					t.Fatalf("event %d: %s: %v", i, f.Name, err)
				}
				fields[f.Name] = x
			case producers.TypeTimestamp:
				ts, err := time.Parse(time.RFC3339Nano, v.(string))
				if err != nil {
					t.Fatalf("event %d: %s: %v", i, f.Name, err)
				}
				if !ts.Equal(ej.EventTime) {
					t.Fatalf("event %d: %s %v, event time %v", i, f.Name, ts, ej.EventTime)
				}
				fields[f.Name] = ts.UTC()
			default:
				t.Fatalf("clickstream field %s has type %s: extend the test", f.Name, f.Type)
			}
		}
		id := fields["event_id"].(string)
		if want[id] != nil {
			t.Fatalf("event %d: event_id %s twice", i, id)
		}
		want[id] = &truth{key: string(ej.Key), fields: fields, avro: ea.Value}
	}

	s, _ := session(t, ctx)
	avroSchema := schema.AvroSchema()
	decoded := F.FromAvro(connect.Col("value"), avroSchema, "mode", "FAILFAST")
	df := s.Read().Format("kafka").
		Option("kafka.bootstrap.servers", env.SparkBrokers()).
		Option("subscribe", topic).
		Option("startingOffsets", "earliest").
		Option("endingOffsets", "latest").
		Load().
		Select(connect.Col("key").Cast("string").Alias("k"), connect.Col("value"), decoded.Alias("e")).
		Select(connect.Col("k"), connect.Col("value"), F.ToAvro(connect.Col("e"), avroSchema).Alias("again"), connect.Col("e.*"))
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatalf("read and decode: %v", err)
	}
	if len(rows) != n {
		t.Fatalf("spark read %d records, want %d", len(rows), n)
	}
	names := rows[0].Names()
	if len(names) != 3+len(schema.Fields) {
		t.Fatalf("columns %v, want k, value, again and the %d schema fields", names, len(schema.Fields))
	}
	for i, f := range schema.Fields {
		if names[3+i] != f.Name {
			t.Fatalf("column %d is %s, want %s", 3+i, names[3+i], f.Name)
		}
	}
	seen := make(map[string]bool, n)
	for _, r := range rows {
		id, _ := r.Get("event_id")
		idStr, ok := id.(string)
		w := want[idStr]
		if !ok || w == nil || seen[idStr] {
			t.Fatalf("decoded event_id %v: not generated, or seen twice (row %v)", id, r)
		}
		seen[idStr] = true
		if r.Value(0) != w.key {
			t.Errorf("%s: key %v, want %s", idStr, r.Value(0), w.key)
		}
		if value, _ := r.Value(1).([]byte); !bytes.Equal(value, w.avro) {
			t.Errorf("%s: value on the topic differs from the replayed Avro record", idStr)
		}
		if again, _ := r.Value(2).([]byte); !bytes.Equal(again, w.avro) {
			t.Errorf("%s: to_avro gives %x, want the producer's %x", idStr, again, w.avro)
		}
		for i, f := range schema.Fields {
			got, exp := r.Value(3+i), w.fields[f.Name]
			if tm, ok := got.(time.Time); ok {
				got = tm.UTC()
			}
			if fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", exp, exp) {
				t.Errorf("%s: %s = %T %v, want %T %v", idStr, f.Name, got, got, exp, exp)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	t.Logf("%d Avro records decoded by from_avro, all fields equal to the generated events", len(rows))
}
