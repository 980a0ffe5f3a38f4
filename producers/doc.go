// Package producers generates realistic, deterministic event streams and sends them to
// Kafka, keeping an exact record (a [Manifest]) of what the broker acknowledged, so that
// streaming jobs and their tests can check results exactly.
//
// # Domains
//
// Three domains are built in, each a [Generator]: [Clickstream] (page views and clicks of
// users in sessions, keyed by user), [IoT] (sensor readings with drift and labelled
// anomalies, keyed by device) and [Payments] (card transactions with a small, labelled
// share of fraud, keyed by card). Their type documentation lists each schema's fields,
// types and units; [Schema.SparkDDL] and [Schema.AvroSchema] give the schema in the forms
// Spark's from_json and from_avro take. The built-in schemas are defined in package
// events, which the jobs read too, so that a job does not depend on the producer.
//
// # Streams
//
// A [Stream] draws events from a generator with a seeded PCG source (math/rand/v2): the
// same seed and options give the same events, byte for byte. Event time is kept apart
// from send time: [WithLateness] makes a share of events out of order by up to a maximum
// lateness, to exercise watermarks, and [WithMalformed] breaks a share of records (bad
// syntax, wrong types, missing fields) to exercise error handling. Values are encoded as
// JSON or as Avro binary ([WithEncoding]).
//
// # Producing
//
// A [Producer] sends a stream to a topic with franz-go: idempotent, acks from all
// in-sync replicas, partitioned by key, with configurable linger, batch size and
// compression, paced to a [Rate] (steady, ramp or bursts) or as fast as possible, for a
// count or a duration. Records count as sent only when the broker acknowledges them; the
// manifest counts them per key, per partition (with first and last offsets) and per
// event-time window, along with malformed and late records and every failure.
//
// # Topics
//
// [CreateTopics] is the one way the project creates topics (the producer's [WithCreateTopic],
// the demo, the benchmark and the end-to-end tests use it): partitions, replication and
// configs, then a wait until every partition has a leader, so that the first records do not
// meet a topic the broker does not serve yet. It fails with [ErrCreateTopic] when the context
// ends first.
//
// # Adding a domain
//
// A domain is one small type in one file: a schema and a Next method that appends one
// value per field, drawing all randomness from the *rand.Rand it is given.
//
//	// Orders are shop orders, keyed by customer.
//	type Orders struct{ next int64 }
//
//	func (*Orders) Schema() producers.Schema {
//		return producers.Schema{
//			Name: "orders", Key: "customer_id", EventTime: "event_time",
//			Fields: []producers.Field{
//				{Name: "order_id", Type: producers.TypeLong},
//				{Name: "event_time", Type: producers.TypeTimestamp, Unit: "ms"},
//				{Name: "customer_id", Type: producers.TypeString},
//				{Name: "total", Type: producers.TypeDouble, Unit: "EUR"},
//			},
//		}
//	}
//
//	func (o *Orders) Next(r *rand.Rand, t time.Time, dst []producers.Value) []producers.Value {
//		o.next++
//		return append(dst,
//			producers.Long(o.next),
//			producers.Timestamp(t),
//			producers.String(fmt.Sprintf("c-%03d", r.IntN(100))),
//			producers.Double(float64(r.IntN(20000))/100),
//		)
//	}
//
// Then producers.NewStream(&Orders{}, producers.WithSeed(7)) streams orders like any
// built-in domain (see the example for [Generator]).
package producers
