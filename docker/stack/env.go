package stack

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sparkwire/sparkwire/internal/brokerlist"
)

// Environment variables that describe an existing cluster to [FromEnv].
const (
	// EnvConnectURL is the Spark Connect address, such as "sc://localhost:15002".
	EnvConnectURL = "SPARKWIRE_CONNECT_URL"
	// EnvKafkaBrokers is the comma-separated Kafka bootstrap list for clients on this machine.
	EnvKafkaBrokers = "SPARKWIRE_KAFKA_BROKERS"
	// EnvSparkKafkaBrokers is the Kafka bootstrap list as the Spark server reaches it; it
	// defaults to EnvKafkaBrokers.
	EnvSparkKafkaBrokers = "SPARKWIRE_SPARK_KAFKA_BROKERS"
	// EnvSparkUIURL is the Spark web UI address (optional).
	EnvSparkUIURL = "SPARKWIRE_SPARK_UI_URL"
	// EnvConnectToken is the token the Spark Connect server requires (optional).
	EnvConnectToken = "SPARKWIRE_CONNECT_TOKEN"
)

// FromEnv describes an existing cluster from the environment instead of starting containers:
// [EnvConnectURL] and [EnvKafkaBrokers] are required, [EnvSparkKafkaBrokers], [EnvSparkUIURL]
// and [EnvConnectToken] optional. ok is false when neither required variable is set; err
// reports one set without the other, or an unusable value. [Stack.Terminate] does nothing on
// the returned Stack and [Stack.Logs] returns "".
//
// For the compose file in docker/compose.yaml:
//
//	SPARKWIRE_CONNECT_URL=sc://localhost:15002 SPARKWIRE_KAFKA_BROKERS=localhost:9092 \
//	SPARKWIRE_SPARK_KAFKA_BROKERS=kafka:9093
func FromEnv() (s *Stack, ok bool, err error) {
	return fromLookup(os.LookupEnv)
}

func fromLookup(lookup func(string) (string, bool)) (*Stack, bool, error) {
	get := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	url, brokersVar := get(EnvConnectURL), get(EnvKafkaBrokers)
	switch {
	case url == "" && brokersVar == "":
		return nil, false, nil
	case url == "":
		return nil, true, fmt.Errorf("%s is set but %s is not", EnvKafkaBrokers, EnvConnectURL)
	case brokersVar == "":
		return nil, true, fmt.Errorf("%s is set but %s is not", EnvConnectURL, EnvKafkaBrokers)
	case !strings.HasPrefix(url, "sc://"):
		return nil, true, fmt.Errorf("%s=%q: want sc://host:port", EnvConnectURL, url)
	}
	brokers, err := brokerlist.Parse(brokersVar)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", EnvKafkaBrokers, err)
	}
	if len(brokers) == 0 {
		return nil, true, errors.New(EnvKafkaBrokers + " names no broker")
	}
	sparkBrokers := strings.Join(brokers, ",")
	if v := get(EnvSparkKafkaBrokers); v != "" {
		list, err := brokerlist.Parse(v)
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", EnvSparkKafkaBrokers, err)
		}
		sparkBrokers = strings.Join(list, ",")
	}
	return &Stack{
		connectURL:   url,
		uiURL:        get(EnvSparkUIURL),
		brokers:      brokers,
		sparkBrokers: sparkBrokers,
		authToken:    get(EnvConnectToken),
	}, true, nil
}
