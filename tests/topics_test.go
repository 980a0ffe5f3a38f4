package tests

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/producers"
)

// TestCreateTopics checks the project's one topic helper against the real broker: when it
// returns, every partition of every topic has a leader and takes a record at once (with no
// unknown-topic retries allowed), the configs are set, an existing topic is kept as it is,
// and a topic the broker refuses is an ErrCreateTopic.
func TestCreateTopics(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	suffix := time.Now().UnixNano()
	a, b := fmt.Sprintf("oneway-topics-a-%d", suffix), fmt.Sprintf("oneway-topics-b-%d", suffix)
	adm := kadm.NewClient(kafkaClient(t))
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(cctx, a, b)
	})
	want := map[string]int32{a: 6, b: 2}
	err := producers.CreateTopics(ctx, env.Brokers(), []producers.Topic{
		{Name: a, Partitions: 6, Configs: map[string]string{"retention.ms": "3600000"}},
		{Name: b, Partitions: 2},
	})
	if err != nil {
		t.Fatal(err)
	}

	// A fresh client, told to give up on the first unknown-topic answer, produces one record
	// to every partition.
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.UnknownTopicRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for topic, n := range want {
		for p := range n {
			r := &kgo.Record{Topic: topic, Partition: p, Value: []byte(fmt.Sprintf("%s/%d", topic, p))}
			if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
				t.Fatalf("produce to %s partition %d right after CreateTopics: %v", topic, p, err)
			}
		}
	}
	for topic, n := range want {
		ends, err := kadmEnds(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		if int32(len(ends)) != n {
			t.Errorf("%s has %d partitions, want %d", topic, len(ends), n)
		}
		for p, end := range ends {
			if end != 1 {
				t.Errorf("%s partition %d ends at %d, want 1", topic, p, end)
			}
		}
	}
	cfgs, err := adm.DescribeTopicConfigs(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := cfgs.On(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	var retention string
	for _, c := range rc.Configs {
		if c.Key == "retention.ms" && c.Value != nil {
			retention = *c.Value
		}
	}
	if retention != "3600000" {
		t.Errorf("%s retention.ms = %q, want 3600000", a, retention)
	}

	// Again, with other settings: the existing topic stays as it is.
	if err := producers.CreateTopics(ctx, env.Brokers(), []producers.Topic{{Name: b, Partitions: 5}}); err != nil {
		t.Fatalf("existing topic: %v", err)
	}
	md, err := adm.Metadata(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Topics[b].Partitions); n != 2 {
		t.Errorf("%s has %d partitions after a second CreateTopics, want 2", b, n)
	}

	// More replicas than brokers: the broker refuses the topic.
	brokers, err := adm.ListBrokers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := fmt.Sprintf("oneway-topics-c-%d", suffix)
	err = producers.CreateTopics(ctx, env.Brokers(), []producers.Topic{{Name: c, Replication: int16(len(brokers) + 1)}})
	if !errors.Is(err, producers.ErrCreateTopic) {
		t.Errorf("replication %d on %d brokers: %v; want ErrCreateTopic", len(brokers)+1, len(brokers), err)
	}
}
