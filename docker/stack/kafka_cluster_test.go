package stack

import (
	"strings"
	"testing"
)

func TestWithKafkaBrokers(t *testing.T) {
	sasl := WithKafkaSASLSSL(KafkaSASLSSL{})
	for _, tc := range []struct {
		name string
		opts []Option
		want int    // nodes of a cluster; 0 for the single broker
		err  string // part of the error, "" for none
	}{
		{"default", nil, 0, ""},
		{"one", []Option{WithKafkaBrokers(1)}, 0, ""},
		{"zero", []Option{WithKafkaBrokers(0)}, 0, ""},
		{"negative", []Option{WithKafkaBrokers(-3)}, 0, ""},
		{"three", []Option{WithKafkaBrokers(3)}, 3, ""},
		{"five", []Option{WithKafkaBrokers(5)}, 5, ""},
		{"six", []Option{WithKafkaBrokers(6)}, 0, "at most 5"},
		{"without kafka", []Option{WithKafkaBrokers(3), WithoutKafka()}, 0, ""},
		{"sasl", []Option{WithKafkaBrokers(3), sasl}, 0, "single broker"},
		{"sasl, one", []Option{WithKafkaBrokers(1), sasl}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := newConfig(tc.opts).kafkaClusterSize()
			if n != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("kafkaClusterSize = %d, %v; want %d, error containing %q", n, err, tc.want, tc.err)
			}
		})
	}
}

func TestKafkaNodeEnv(t *testing.T) {
	env := kafkaNodeEnv(2, 3)
	for k, want := range map[string]string{
		"KAFKA_NODE_ID":                                      "2",
		"KAFKA_NODE_HOST":                                    "kafka-2",
		"INTERNAL_HOST_PORT":                                 "kafka-2:9093",
		"KAFKA_CONTROLLER_QUORUM_VOTERS":                     "1@kafka-1:9094,2@kafka-2:9094,3@kafka-3:9094",
		"ADVERTISED_FILE":                                    advertisedFile,
		"KAFKA_CFG_DEFAULT_REPLICATION_FACTOR":               "3",
		"KAFKA_CFG_MIN_INSYNC_REPLICAS":                      "2",
		"KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR":         "3",
		"KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR":            "2",
		"KAFKA_CFG_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR":    "2",
		"KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "3",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	// Two nodes: two replicas, one in sync suffices; five: three replicas, two in sync.
	if e := kafkaNodeEnv(1, 2); e["KAFKA_CFG_DEFAULT_REPLICATION_FACTOR"] != "2" || e["KAFKA_CFG_MIN_INSYNC_REPLICAS"] != "1" {
		t.Errorf("two nodes: %v", e)
	}
	if e := kafkaNodeEnv(5, 5); e["KAFKA_CFG_DEFAULT_REPLICATION_FACTOR"] != "3" || e["KAFKA_CFG_MIN_INSYNC_REPLICAS"] != "2" ||
		!strings.HasSuffix(e["KAFKA_CONTROLLER_QUORUM_VOTERS"], ",5@kafka-5:9094") {
		t.Errorf("five nodes: %v", e)
	}
}
