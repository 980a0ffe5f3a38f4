package connect

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// KafkaOffsets are the offsets of a Kafka source in a progress report, by topic and
// partition: the next offset to read in each partition.
type KafkaOffsets map[string]map[int32]int64

// ParseKafkaOffsets decodes the offsets of a Kafka source from [SourceProgress.StartOffset],
// EndOffset or LatestOffset: Spark writes them as {"topic":{"0":12,"1":30}}, in reports read
// back from the server sometimes as that JSON inside a JSON string. An empty or null offset
// (the start of a query's first batch) is nil without an error. Another source's offsets,
// or a partition that is not a number, give an error that quotes the JSON.
func ParseKafkaOffsets(raw json.RawMessage) (KafkaOffsets, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var inner string
		if err := json.Unmarshal(raw, &inner); err != nil {
			return nil, fmt.Errorf("kafka offsets %.200s: %w", raw, err)
		}
		if inner == "" || inner == "null" {
			return nil, nil
		}
		raw = json.RawMessage(inner)
	}
	var byName map[string]map[string]int64
	if err := json.Unmarshal(raw, &byName); err != nil {
		return nil, fmt.Errorf("kafka offsets %.200s: %w", raw, err)
	}
	offs := make(KafkaOffsets, len(byName))
	for topic, parts := range byName {
		m := make(map[int32]int64, len(parts))
		for p, off := range parts {
			n, err := strconv.ParseInt(p, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("kafka offsets %.200s: partition %q of %s is not a number", raw, p, topic)
			}
			m[int32(n)] = off
		}
		offs[topic] = m
	}
	return offs, nil
}

// Sum returns the sum of the offsets over every topic and partition: for offsets that start
// at 0, the number of records before them.
func (o KafkaOffsets) Sum() int64 {
	var n int64
	for _, parts := range o {
		for _, off := range parts {
			n += off
		}
	}
	return n
}
