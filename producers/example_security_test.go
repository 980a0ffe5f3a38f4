package producers_test

import (
	"fmt"

	"github.com/sparkwire/sparkwire/producers"
)

// A producer for a SASL_SSL listener: SCRAM-SHA-512 credentials over TLS with the
// cluster's CA. The credentials print without the password.
func ExampleWithSASL() {
	creds := producers.SASL{
		Mechanism: producers.SASLScramSHA512,
		User:      "alice",
		Password:  producers.Secret("alice-secret"), // e.g. os.Getenv("SPARKWIRE_KAFKA_SASL_PASSWORD")
	}
	var ca []byte // the cluster CA's certificates in PEM, e.g. from os.ReadFile; empty: the system's roots
	p, err := producers.NewProducer([]string{"broker:9096"}, "clickstream",
		producers.WithTLS(producers.TLS{CA: ca}), producers.WithSASL(creds))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	fmt.Println(creds)
	fmt.Printf("%+v\n", creds)
	// Output:
	// SASL SCRAM-SHA-512 user "alice", password [REDACTED]
	// SASL SCRAM-SHA-512 user "alice", password [REDACTED]
}
