package producers

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// fakeAdmin is a broker's topic administration, scripted: a created topic shows its
// partitions in the metadata after metaDelay calls, and each partition gets its leader
// after leaderDelay[partition] further calls (never, with a negative delay).
type fakeAdmin struct {
	mu          sync.Mutex
	existing    map[string]int32 // topics that exist before, with their partitions
	createErr   error
	metaDelay   int
	leaderDelay map[int32]int

	created  map[string]kadm.CreateTopicResponse
	configs  map[string]map[string]*string
	metaSeen int
}

func (f *fakeAdmin) CreateTopic(_ context.Context, partitions int32, replication int16, configs map[string]*string, topic string) (kadm.CreateTopicResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return kadm.CreateTopicResponse{Topic: topic, Err: f.createErr, ErrMessage: "scripted"}, nil
	}
	if _, ok := f.existing[topic]; ok {
		return kadm.CreateTopicResponse{Topic: topic, Err: kerr.TopicAlreadyExists}, nil
	}
	if f.created == nil {
		f.created, f.configs = map[string]kadm.CreateTopicResponse{}, map[string]map[string]*string{}
	}
	if partitions == -1 {
		partitions = 4 // the broker's default
	}
	r := kadm.CreateTopicResponse{Topic: topic, NumPartitions: partitions, ReplicationFactor: replication}
	f.created[topic], f.configs[topic] = r, configs
	return r, nil
}

func (f *fakeAdmin) Metadata(_ context.Context, topics ...string) (kadm.Metadata, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.metaSeen++
	md := kadm.Metadata{Topics: kadm.TopicDetails{}}
	for _, name := range topics {
		var n int32
		if c, ok := f.created[name]; ok && f.metaSeen > f.metaDelay {
			n = c.NumPartitions
		} else if e, ok := f.existing[name]; ok {
			n = e
		} else {
			md.Topics[name] = kadm.TopicDetail{Topic: name, Err: kerr.UnknownTopicOrPartition}
			continue
		}
		d := kadm.TopicDetail{Topic: name, Partitions: kadm.PartitionDetails{}}
		for p := range n {
			leader := int32(-1)
			if delay, ok := f.leaderDelay[p]; !ok || (delay >= 0 && f.metaSeen > f.metaDelay+delay) {
				leader = 1
			}
			d.Partitions[p] = kadm.PartitionDetail{Topic: name, Partition: p, Leader: leader}
		}
		md.Topics[name] = d
	}
	return md, nil
}

func TestCreateTopicsWaitsForEveryLeader(t *testing.T) {
	// The topic appears after 3 metadata calls; partition 0 has its leader at once, 2 after
	// 5 more calls, 1 after 10: only then is the topic ready.
	f := &fakeAdmin{metaDelay: 3, leaderDelay: map[int32]int{1: 10, 2: 5}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := createTopics(ctx, f, []Topic{{Name: "t", Partitions: 3, Configs: map[string]string{"retention.ms": "1000"}}})
	if err != nil {
		t.Fatal(err)
	}
	if f.metaSeen != 14 { // 13 calls find something missing, the 14th finds every leader
		t.Errorf("returned after %d metadata calls, want 14", f.metaSeen)
	}
	c := f.created["t"]
	if c.NumPartitions != 3 || c.ReplicationFactor != 1 {
		t.Errorf("created %+v, want 3 partitions, replication 1 (the zero value's default)", c)
	}
	if v := f.configs["t"]["retention.ms"]; v == nil || *v != "1000" {
		t.Errorf("configs sent: %v", f.configs["t"])
	}
}

func TestCreateTopicsTimesOutWithoutLeader(t *testing.T) {
	// Partition 1 never gets a leader: CreateTopics must fail by the context's deadline,
	// naming the partition, not return nil as if the topic were usable.
	f := &fakeAdmin{leaderDelay: map[int32]int{1: -1}}
	ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := createTopics(ctx, f, []Topic{{Name: "a", Partitions: 2}, {Name: "b", Partitions: 1}})
	if took := time.Since(start); took > 400*time.Millisecond+2*leaderPoll {
		t.Errorf("returned %s after a 400ms deadline", took)
	}
	if !errors.Is(err, ErrCreateTopic) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want ErrCreateTopic and context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "topic a partitions 1 without a leader") || strings.Contains(err.Error(), "topic b") {
		t.Errorf("err = %v; want it to name topic a's partition 1 only", err)
	}
}

func TestCreateTopicsExistingAndBrokerDefault(t *testing.T) {
	f := &fakeAdmin{existing: map[string]int32{"old": 2}}
	if err := createTopics(t.Context(), f, []Topic{{Name: "old", Partitions: 5}, {Name: "new", Partitions: -1, Replication: -1}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.created["old"]; ok {
		t.Error("the existing topic was created again")
	}
	if c := f.created["new"]; c.NumPartitions != 4 || c.ReplicationFactor != -1 {
		t.Errorf("created %+v; want the broker's defaults asked for", c)
	}
}

func TestCreateTopicsErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		topics []Topic
		f      *fakeAdmin
		is     error
		msg    string
	}{
		{"no topics", nil, &fakeAdmin{}, ErrInvalidOption, "no topics"},
		{"no name", []Topic{{Partitions: 1}}, &fakeAdmin{}, ErrInvalidOption, "without a name"},
		{"partitions", []Topic{{Name: "x", Partitions: -2}}, &fakeAdmin{}, ErrInvalidOption, "-2 partitions"},
		{"replication", []Topic{{Name: "x", Replication: -3}}, &fakeAdmin{}, ErrInvalidOption, "replication factor -3"},
		{"refused", []Topic{{Name: "x", Partitions: 2, Replication: 3}}, &fakeAdmin{createErr: kerr.InvalidReplicationFactor}, ErrCreateTopic,
			"create topic x (2 partitions, replication 3): INVALID_REPLICATION_FACTOR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := createTopics(t.Context(), tt.f, tt.topics)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v; want %v with %q", err, tt.is, tt.msg)
			}
		})
	}
}

func TestCreateTopicsUnreachableBroker(t *testing.T) {
	if err := CreateTopics(t.Context(), nil, []Topic{{Name: "x"}}); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("no brokers: %v", err)
	}
	// A broker that accepts connections and never answers: the call must end by the
	// context's deadline with an error, whatever franz-go's own retries would do.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	// And one where nothing listens (port 1 of the loopback).
	for _, addr := range []string{ln.Addr().String(), "127.0.0.1:1"} {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		start := time.Now()
		err = CreateTopics(ctx, []string{addr}, []Topic{{Name: "x"}}, WithConnectTimeout(100*time.Millisecond))
		cancel()
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: returned after %s with a 500ms deadline", addr, took)
		}
		if !errors.Is(err, ErrCreateTopic) {
			t.Errorf("%s: err = %v; want ErrCreateTopic", addr, err)
		}
		t.Logf("%s: %v", addr, err)
	}
}
