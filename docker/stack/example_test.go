package stack_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// Start a stack, or use the cluster that SPARKWIRE_CONNECT_URL and SPARKWIRE_KAFKA_BROKERS
// describe. (Compiled, not run: it needs Docker.)
func ExampleStart() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute) // a first build takes minutes
	defer cancel()

	s, ok, err := stack.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	if !ok {
		// Building is explicit: Start only reports missing images (stack.ErrImagesMissing).
		if err := stack.BuildImages(ctx); err != nil {
			log.Fatal(err)
		}
		s, err = stack.Start(ctx, stack.WithSparkConf("spark.sql.session.timeZone", "UTC"))
		if s != nil {
			defer s.Terminate(context.Background())
		}
		if err != nil {
			logs, _ := s.Logs(context.Background())
			log.Fatalf("start stack: %v\n%s", err, logs)
		}
	}
	fmt.Println(s.ConnectURL(), s.Brokers(), s.SparkBrokers())
}
