package producers_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"time"

	"github.com/sparkwire/sparkwire/producers"
)

// A seeded stream of IoT readings: the same seed prints the same events on any machine.
func ExampleNewStream() {
	s, err := producers.NewStream(producers.NewIoT(0), producers.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		ev, err := s.Next()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %s\n", ev.Key, ev.Value)
	}
	// Output:
	// dev-0137 {"device_id":"dev-0137","event_time":"2025-01-01T00:00:00.000Z","seq":0,"site":"plant-6","sensor_type":"humidity","reading":39.53,"unit":"pct","battery_pct":75.53,"anomaly":false}
	// dev-0070 {"device_id":"dev-0070","event_time":"2025-01-01T00:00:00.001Z","seq":0,"site":"plant-1","sensor_type":"pressure","reading":1015.815,"unit":"hPa","battery_pct":99.44,"anomaly":false}
}

// Out-of-order and malformed events, for testing watermarks and error handling.
func ExampleWithLateness() {
	s, err := producers.NewStream(producers.NewPayments(0),
		producers.WithSeed(3),
		producers.WithInterval(time.Second),
		producers.WithLateness(0.2, 10*time.Minute),
		producers.WithMalformed(0.1),
	)
	if err != nil {
		log.Fatal(err)
	}
	late, malformed := 0, 0
	for range 1000 {
		ev, err := s.Next()
		if err != nil {
			log.Fatal(err)
		}
		if ev.Late() {
			late++
		}
		if ev.Malformed != producers.MalformedNone {
			malformed++
		}
	}
	fmt.Println(late > 150 && late < 250, malformed > 60 && malformed < 140)
	// Output: true true
}

// Orders is a domain of one's own: a schema and a Next method.
type Orders struct{ next int64 }

func (*Orders) Schema() producers.Schema {
	return producers.Schema{
		Name: "orders", Key: "customer_id", EventTime: "event_time",
		Fields: []producers.Field{
			{Name: "order_id", Type: producers.TypeLong},
			{Name: "event_time", Type: producers.TypeTimestamp, Unit: "ms"},
			{Name: "customer_id", Type: producers.TypeString},
			{Name: "total", Type: producers.TypeDouble, Unit: "EUR"},
		},
	}
}

func (o *Orders) Next(r *rand.Rand, t time.Time, dst []producers.Value) []producers.Value {
	o.next++
	return append(dst,
		producers.Long(o.next),
		producers.Timestamp(t),
		producers.String(fmt.Sprintf("c-%03d", r.IntN(100))),
		producers.Double(float64(r.IntN(20000))/100),
	)
}

// A custom domain streams like the built-in ones, in JSON or Avro.
func ExampleGenerator() {
	s, err := producers.NewStream(&Orders{}, producers.WithSeed(7), producers.WithInterval(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		ev, _ := s.Next()
		fmt.Printf("%s\n", ev.Value)
	}
	fmt.Println(s.Schema().SparkDDL())
	fmt.Println(s.Schema().AvroSchema())
	// Output:
	// {"order_id":1,"event_time":"2025-01-01T00:00:00.000Z","customer_id":"c-000","total":184.71}
	// {"order_id":2,"event_time":"2025-01-01T00:00:01.000Z","customer_id":"c-015","total":78.37}
	// order_id BIGINT, event_time TIMESTAMP, customer_id STRING, total DOUBLE
	// {"type":"record","name":"Orders","namespace":"sparkwire.producers","fields":[{"name":"order_id","type":"long"},{"name":"event_time","type":{"logicalType":"timestamp-millis","type":"long"},"doc":"Unit: ms."},{"name":"customer_id","type":"string"},{"name":"total","type":"double","doc":"Unit: EUR."}]}
}

// Produce a minute of clickstream at 5,000 events/s and write the manifest. It needs a
// Kafka broker, so it is compiled but not run by go test.
func ExampleNewProducer() {
	ctx := context.Background()
	s, err := producers.NewStream(producers.NewClickstream(0),
		producers.WithSeed(1),
		producers.WithInterval(200*time.Microsecond), // event time keeps pace with 5,000/s
		producers.WithLateness(0.05, 5*time.Minute),
		producers.WithMalformed(0.01),
	)
	if err != nil {
		log.Fatal(err)
	}
	p, err := producers.NewProducer([]string{"localhost:9092"}, "events",
		producers.WithCreateTopic(3, 1),
		producers.WithRate(producers.Steady(5000)),
		producers.WithDuration(time.Minute),
		producers.WithCompression(producers.CompressionLZ4),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	m, err := p.Run(ctx, s)
	if err != nil {
		log.Fatal(err) // a *producers.DeliveryError still comes with the manifest
	}
	if err := m.WriteJSON(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// Create the topics of a job, with a retention setting on the output, and wait until every
// partition has a leader. It needs a Kafka broker, so it is compiled but not run by go test.
func ExampleCreateTopics() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := producers.CreateTopics(ctx, []string{"localhost:9092"}, []producers.Topic{
		{Name: "clicks", Partitions: 3},
		{Name: "pageviews", Partitions: 3, Configs: map[string]string{"retention.ms": "3600000"}},
	})
	if err != nil {
		log.Fatal(err) // wraps producers.ErrCreateTopic, and ctx's error on timeout
	}
}

// Rates: how many events are due after a given time.
func ExampleRamp() {
	r := producers.Ramp(0, 1000, 10*time.Second)
	fmt.Println(r, r.At(5*time.Second), r.Due(10*time.Second), r.Due(20*time.Second))
	// Output: ramp 0/s to 1000/s over 10s 500 5000 15000
}
