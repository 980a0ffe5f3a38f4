#!/usr/bin/env bash
# Runs a Kafka command-line tool with the broker's jars. Installed under the names of Kafka's
# shell scripts (without .sh), for example:
#   kafka-topics --bootstrap-server localhost:9095 --list
#   kafka-producer-perf-test --topic t --num-records 1000 --record-size 100 --throughput -1 \
#     --producer-props bootstrap.servers=localhost:9095
# or as "kafka-run-class <main class> [args]".
set -euo pipefail
KAFKA_HOME=${KAFKA_HOME:-/opt/kafka}
case "$(basename "$0")" in
  kafka-topics) main=org.apache.kafka.tools.TopicCommand ;;
  kafka-producer-perf-test) main=org.apache.kafka.tools.ProducerPerformance ;;
  kafka-consumer-perf-test) main=org.apache.kafka.tools.ConsumerPerformance ;;
  kafka-consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  kafka-console-producer) main=org.apache.kafka.tools.ConsoleProducer ;;
  kafka-console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  kafka-storage) main=kafka.tools.StorageTool ;;
  *) main=${1:?usage: kafka-run-class MAIN_CLASS [ARGS]}; shift ;;
esac
read -r -a heap <<<"${KAFKA_TOOL_HEAP_OPTS:--Xmx512m}"
exec java "${heap[@]}" -cp "$KAFKA_HOME/jars/*" \
  -Dlog4j2.configurationFile="$KAFKA_HOME/config/tools-log4j2.properties" "$main" "$@"
