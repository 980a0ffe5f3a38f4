package producers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Topic is a Kafka topic for [CreateTopics] to create.
type Topic struct {
	// Name is the topic's name; it is required.
	Name string
	// Partitions is the number of partitions: 0 means 1, -1 the broker's default.
	Partitions int32
	// Replication is the replication factor: 0 means 1, -1 the broker's default.
	Replication int16
	// Configs are topic configs such as "retention.ms" or "max.message.bytes"; nil leaves
	// the broker's defaults.
	Configs map[string]string
}

// topicTimeout bounds CreateTopics, and the topic creation of [WithCreateTopic], when the
// context has no earlier deadline.
const topicTimeout = 30 * time.Second

// leaderPoll is how often CreateTopics asks for metadata while waiting for leaders.
const leaderPoll = 100 * time.Millisecond

// CreateTopics creates the topics on the bootstrap brokers (a topic that already exists is
// kept as it is) and then waits until every partition of every topic has a leader. Until
// then the broker may not accept records for the topic: a producer's records would count
// towards the client's unknown-topic retry limit and can fail (a 10M-record run once lost
// records that way), and Spark's Kafka source may see fewer partitions than there are.
//
// It gives up when ctx ends, and after 30 s when ctx has no earlier deadline, with an
// error that wraps [ErrCreateTopic] and the context's error and names the partitions still
// without a leader. Of the options, only those of the connection apply ([WithTLS],
// [WithSASL], [WithKafkaOptions], [WithConnectTimeout]); invalid options or topics give an
// error wrapping [ErrInvalidOption] before anything is sent.
func CreateTopics(ctx context.Context, brokers []string, topics []Topic, opts ...Option) error {
	cfg := defaultConfig()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	if len(brokers) == 0 {
		return fmt.Errorf("%w: no brokers", ErrInvalidOption)
	}
	secOpts, err := cfg.securityOpts()
	if err != nil {
		return err
	}
	kopts := append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DialTimeout(cfg.connectTimeout)}, secOpts...)
	cl, err := kgo.NewClient(append(kopts, cfg.kgoOpts...)...)
	if err != nil {
		return fmt.Errorf("producers: kafka client: %w", err)
	}
	defer cl.Close()
	return cfg.redactSecrets(createTopics(ctx, kadm.NewClient(cl), topics))
}

// topicAdmin is the part of *kadm.Client that createTopics uses; tests replace it.
type topicAdmin interface {
	CreateTopic(ctx context.Context, partitions int32, replication int16, configs map[string]*string, topic string) (kadm.CreateTopicResponse, error)
	Metadata(ctx context.Context, topics ...string) (kadm.Metadata, error)
}

// createTopics creates the topics with adm and waits for their leaders (see CreateTopics).
func createTopics(ctx context.Context, adm topicAdmin, topics []Topic) error {
	if len(topics) == 0 {
		return fmt.Errorf("%w: no topics to create", ErrInvalidOption)
	}
	for _, t := range topics {
		switch {
		case t.Name == "":
			return fmt.Errorf("%w: a topic without a name", ErrInvalidOption)
		case t.Partitions < -1:
			return fmt.Errorf("%w: topic %s: %d partitions", ErrInvalidOption, t.Name, t.Partitions)
		case t.Replication < -1:
			return fmt.Errorf("%w: topic %s: replication factor %d", ErrInvalidOption, t.Name, t.Replication)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, topicTimeout)
		defer cancel()
	}
	started := time.Now()
	// want is the number of partitions each topic must show, 0 when it existed already
	// (then whatever the metadata lists, at least one).
	want := make(map[string]int32, len(topics))
	for _, t := range topics {
		partitions, replication := t.Partitions, t.Replication
		if partitions == 0 {
			partitions = 1
		}
		if replication == 0 {
			replication = 1
		}
		var configs map[string]*string
		for k, v := range t.Configs {
			if configs == nil {
				configs = make(map[string]*string, len(t.Configs))
			}
			configs[k] = &v
		}
		resp, err := adm.CreateTopic(ctx, partitions, replication, configs, t.Name)
		if err == nil {
			err = resp.Err
		}
		switch {
		case err == nil:
			want[t.Name] = resp.NumPartitions
		case errors.Is(err, kerr.TopicAlreadyExists):
			want[t.Name] = 0
		default:
			if resp.ErrMessage != "" {
				err = fmt.Errorf("%w (%s)", err, resp.ErrMessage)
			}
			return fmt.Errorf("%w %s (%d partitions, replication %d): %w", ErrCreateTopic, t.Name, partitions, replication, err)
		}
	}
	return waitLeaders(ctx, adm, want, started)
}

// waitLeaders polls the metadata until every topic of want lists its partitions, each with
// a leader, or ctx ends.
func waitLeaders(ctx context.Context, adm topicAdmin, want map[string]int32, started time.Time) error {
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	var missing []string // what the last metadata lacked, for the error
	var last error
	for {
		md, err := adm.Metadata(ctx, names...)
		if err == nil {
			missing = missingLeaders(md, names, want)
			if len(missing) == 0 {
				return nil
			}
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			detail := "no metadata"
			if len(missing) > 0 {
				detail = strings.Join(missing, "; ")
			}
			if last != nil {
				detail += " (last metadata error: " + last.Error() + ")"
			}
			return fmt.Errorf("%w %s: not every partition has a leader after %s: %s: %w",
				ErrCreateTopic, strings.Join(names, ", "), time.Since(started).Round(time.Millisecond), detail, ctx.Err())
		case <-time.After(leaderPoll):
		}
	}
}

// missingLeaders describes, per topic, what the metadata lacks: the topic, partitions, or
// partitions' leaders. It returns nil when every topic is ready.
func missingLeaders(md kadm.Metadata, names []string, want map[string]int32) []string {
	var out []string
	for _, name := range names {
		t, ok := md.Topics[name]
		switch {
		case !ok:
			out = append(out, "topic "+name+" not in the metadata")
			continue
		case t.Err != nil:
			out = append(out, "topic "+name+": "+t.Err.Error())
			continue
		case len(t.Partitions) == 0:
			out = append(out, "topic "+name+" has no partitions yet")
			continue
		case want[name] > 0 && int32(len(t.Partitions)) < want[name]:
			out = append(out, fmt.Sprintf("topic %s shows %d of %d partitions", name, len(t.Partitions), want[name]))
			continue
		}
		var leaderless []string
		for _, p := range t.Partitions.Sorted() {
			if p.Err != nil || p.Leader < 0 {
				leaderless = append(leaderless, strconv.Itoa(int(p.Partition)))
			}
		}
		if len(leaderless) > 0 {
			out = append(out, "topic "+name+" partitions "+strings.Join(leaderless, ",")+" without a leader")
		}
	}
	return out
}
