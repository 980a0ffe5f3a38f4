package producers

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Event is one generated event, ready to send.
type Event struct {
	// Seq is the event's position in the stream, from 0.
	Seq int64
	// Key is the record key: the value of the schema's key field.
	Key []byte
	// Value is the encoded record.
	Value []byte
	// EventTime is the event's time (millisecond precision, UTC), as written in Value
	// unless the record is malformed.
	EventTime time.Time
	// Lateness is how far EventTime is behind the newest event time of all earlier events
	// in the stream; 0 for an event that is in order.
	Lateness time.Duration
	// Malformed says how the record is broken, or MalformedNone.
	Malformed Malformation
}

// Late reports whether the event is out of order: its event time is older than that of
// an earlier event.
func (e *Event) Late() bool { return e.Lateness > 0 }

// Stream turns a [Generator] into a deterministic sequence of encoded events: with the
// same generator type, seed and options, a stream produces the same events byte for byte,
// on any machine.
//
// Event time is separate from the time events are sent. The stream keeps an event-time
// clock that starts at [WithStart] and advances by [WithInterval] per event; an on-time
// event carries the clock's time. With [WithLateness], a share of events instead carry a
// time up to the maximum lateness older than the newest event time emitted so far, so
// they arrive out of order (and, against a watermark with a smaller delay, late).
// [WithMalformed] makes a share of records unparsable.
//
// A Stream is not safe for concurrent use.
type Stream struct {
	gen            Generator
	schema         Schema
	keyIdx, tsIdx  int
	nonString      []int // indexes of fields that are not strings
	cfg            streamConfig
	content, mixer *rand.Rand
	seq            int64
	maxSeen        int64 // newest event time emitted, Unix ms
	startMs        int64 // start, Unix ms, when wholeMs
	stepMs         int64 // interval in ms, when wholeMs
	wholeMs        bool  // start and interval are whole milliseconds: on-time times need no time.Time
	vals           []Value
	types          []Type // each field's type, for check
	enc            *encoder
	fast           jsonGenerator // gen, if it writes its JSON records itself
	slab           []byte        // keys and values are carved from it, see Next
	sizeHint       int
}

// slabSize is the size of the buffers a Stream carves keys and values from: one
// allocation for a hundred or so events rather than two per event.
const slabSize = 32 << 10

type streamConfig struct {
	seed           uint64
	start          time.Time
	interval       time.Duration
	lateShare      float64
	maxLateness    time.Duration
	tooLateShare   float64
	tooLateAfter   time.Duration
	tooLateExtra   time.Duration
	malformedShare float64
	encoding       Encoding
}

// defaultStart is the default start of event time. A fixed instant (not the current
// time) keeps streams deterministic.
var defaultStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func defaultStreamConfig() streamConfig {
	return streamConfig{seed: 1, start: defaultStart, interval: time.Millisecond, encoding: EncodingJSON}
}

func (c *streamConfig) validate() error {
	switch {
	case c.interval < 0:
		return fmt.Errorf("%w: negative event-time interval %s", ErrInvalidOption, c.interval)
	case !(c.lateShare >= 0 && c.lateShare <= 1):
		return fmt.Errorf("%w: late share %v outside [0, 1]", ErrInvalidOption, c.lateShare)
	case c.lateShare > 0 && c.maxLateness < time.Millisecond:
		return fmt.Errorf("%w: maximum lateness %s below 1ms", ErrInvalidOption, c.maxLateness)
	case !(c.tooLateShare >= 0 && c.tooLateShare <= 1):
		return fmt.Errorf("%w: too-late share %v outside [0, 1]", ErrInvalidOption, c.tooLateShare)
	case c.tooLateShare > 0 && (c.tooLateAfter < 0 || c.tooLateExtra < time.Millisecond):
		return fmt.Errorf("%w: too-late lateness beyond %s by up to %s (want a delay of 0 or more and an extra of 1ms or more)", ErrInvalidOption, c.tooLateAfter, c.tooLateExtra)
	case !(c.malformedShare >= 0 && c.malformedShare <= 1):
		return fmt.Errorf("%w: malformed share %v outside [0, 1]", ErrInvalidOption, c.malformedShare)
	case c.encoding != EncodingJSON && c.encoding != EncodingAvro:
		return fmt.Errorf("%w: %s", ErrInvalidOption, c.encoding)
	}
	return nil
}

// A StreamOption configures a [Stream].
type StreamOption interface {
	applyStream(*streamConfig)
}

type streamOptionFunc func(*streamConfig)

func (f streamOptionFunc) applyStream(c *streamConfig) { f(c) }

// WithSeed sets the seed of the stream's random choices (default 1).
func WithSeed(seed uint64) StreamOption {
	return streamOptionFunc(func(c *streamConfig) { c.seed = seed })
}

// WithStart sets the event time of the first event (default 2025-01-01T00:00:00Z, fixed
// so that streams are deterministic; pass time.Now() for live-looking data).
func WithStart(t time.Time) StreamOption {
	return streamOptionFunc(func(c *streamConfig) { c.start = t })
}

// WithInterval sets how far event time advances per event (default 1ms). Match it to
// the send rate (a second divided by events per second) to keep event time close to
// wall-clock time.
func WithInterval(d time.Duration) StreamOption {
	return streamOptionFunc(func(c *streamConfig) { c.interval = d })
}

// WithLateness makes a share (0 to 1) of events out of order: each such event's time is
// behind the newest event time emitted before it by a lateness drawn uniformly from 1ms
// to max (millisecond steps). The first event is never late. Default: no late events.
func WithLateness(share float64, max time.Duration) StreamOption {
	return streamOptionFunc(func(c *streamConfig) { c.lateShare, c.maxLateness = share, max })
}

// WithTooLate adds a tail to the lateness distribution: a share (0 to 1) of the events that
// [WithLateness] left on time are instead late by more than delay, by a lateness drawn
// uniformly from delay+1ms to delay+extra (millisecond steps). With delay a job's watermark
// delay, these are the events the watermark is there to drop; the producer's manifest counts
// them when given the same delay ([WithWatermarkDelay]). Deterministic by seed like every
// other choice; a stream without it is unchanged. Default: none.
func WithTooLate(share float64, delay, extra time.Duration) StreamOption {
	return streamOptionFunc(func(c *streamConfig) {
		c.tooLateShare, c.tooLateAfter, c.tooLateExtra = share, delay, extra
	})
}

// WithMalformed makes a share (0 to 1) of records malformed, with the kinds of
// [Malformation] equally likely. The record key stays intact. Default: none.
func WithMalformed(share float64) StreamOption {
	return streamOptionFunc(func(c *streamConfig) { c.malformedShare = share })
}

// WithEncoding sets how values are encoded (default [EncodingJSON]).
func WithEncoding(e Encoding) StreamOption {
	return streamOptionFunc(func(c *streamConfig) { c.encoding = e })
}

// NewStream returns a stream of gen's events. gen should be new: its state is part of
// what makes the stream deterministic. Invalid options give an error wrapping
// [ErrInvalidOption]; an unusable schema one wrapping [ErrInvalidSchema].
func NewStream(gen Generator, opts ...StreamOption) (*Stream, error) {
	if gen == nil {
		return nil, fmt.Errorf("%w: nil generator", ErrInvalidOption)
	}
	cfg := defaultStreamConfig()
	for _, o := range opts {
		o.applyStream(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Stream{gen: gen, schema: gen.Schema(), cfg: cfg}
	var err error
	if s.keyIdx, s.tsIdx, err = s.schema.validate(); err != nil {
		return nil, err
	}
	s.enc = newEncoder(cfg.encoding, s.schema.Fields)
	// Only the built-in type itself: a type embedding it would have the method too, but
	// may make other events.
	if g, ok := gen.(*Clickstream); ok && cfg.encoding == EncodingJSON {
		s.fast = g
	}
	for i, f := range s.schema.Fields {
		s.types = append(s.types, f.Type)
		if f.Type != TypeString {
			s.nonString = append(s.nonString, i)
		}
	}
	// Two independent sources: one for the domain's content, one for lateness and
	// malformation, so that changing those shares leaves the content unchanged.
	s.content = rand.New(rand.NewPCG(cfg.seed, 0x5eed0001))
	s.mixer = rand.New(rand.NewPCG(cfg.seed, 0x5eed0002))
	s.maxSeen = cfg.start.UnixMilli()
	if cfg.start.Nanosecond()%int(time.Millisecond) == 0 && cfg.interval%time.Millisecond == 0 {
		s.wholeMs, s.startMs, s.stepMs = true, s.maxSeen, cfg.interval.Milliseconds()
	}
	return s, nil
}

// jsonGenerator is implemented by built-in generators that write their JSON records
// themselves, faster than through Values and the encoder, for the records a stream
// does not break by leaving out a field or writing one with a wrong type.
type jsonGenerator interface {
	// appendNextJSON makes the next event as Next does from the same r, and appends its
	// key, then the JSON record the encoder would write for its values with event time
	// eventTime (Unix ms), to dst. It returns dst and the key's length.
	appendNextJSON(r *rand.Rand, eventTime int64, dst []byte) ([]byte, int)
}

// Schema returns the generator's schema.
func (s *Stream) Schema() Schema { return cloneSchema(s.schema) }

// Encoding returns the stream's encoding.
func (s *Stream) Encoding() Encoding { return s.cfg.encoding }

// Seed returns the stream's seed.
func (s *Stream) Seed() uint64 { return s.cfg.seed }

// Next returns the next event. It fails, wrapping [ErrSchemaMismatch], only if the
// generator returns values that do not match its schema.
//
// The event's Key and Value stay valid: they are carved from buffers that are freed
// once no event refers to them any more.
func (s *Stream) Next() (Event, error) {
	// Key and value are appended to the slab and handed out capped at their length, so
	// that appending to one never writes into the next.
	if cap(s.slab)-len(s.slab) < 2*s.sizeHint+64 {
		s.slab = make([]byte, 0, max(slabSize, 4*s.sizeHint))
	}
	var ev Event
	slab, err := s.next(s.slab, &ev)
	if err != nil {
		return Event{}, err
	}
	s.slab = slab
	return ev, nil
}

// next makes the next event into ev, appending its key and value to buf, and returns
// the extended buffer. The event's Key and Value point into the returned buffer (into a
// new one if buf had to grow), capped at their length.
func (s *Stream) next(buf []byte, ev *Event) ([]byte, error) {
	seq := s.seq
	var onTime int64
	if s.wholeMs {
		onTime = s.startMs + seq*s.stepMs
	} else {
		onTime = s.cfg.start.Add(time.Duration(seq) * s.cfg.interval).UnixMilli()
	}
	*ev = Event{Seq: seq}
	et := onTime
	if seq > 0 && s.cfg.lateShare > 0 && s.mixer.Float64() < s.cfg.lateShare {
		lateness := 1 + s.mixer.Int64N(s.cfg.maxLateness.Milliseconds())
		et = s.maxSeen - lateness
		ev.Lateness = time.Duration(lateness) * time.Millisecond
	} else if seq > 0 && s.cfg.tooLateShare > 0 && s.mixer.Float64() < s.cfg.tooLateShare {
		lateness := s.cfg.tooLateAfter.Milliseconds() + 1 + s.mixer.Int64N(s.cfg.tooLateExtra.Milliseconds())
		et = s.maxSeen - lateness
		ev.Lateness = time.Duration(lateness) * time.Millisecond
	}
	if et > s.maxSeen || seq == 0 {
		s.maxSeen = et
	}
	ev.EventTime = time.UnixMilli(et).UTC()

	skip, wrong, cut := -1, -1, false
	if s.cfg.malformedShare > 0 && s.mixer.Float64() < s.cfg.malformedShare {
		ev.Malformed = Malformation(1 + s.mixer.IntN(3))
		switch ev.Malformed {
		case MalformedSyntax:
			cut = true
		case MalformedWrongType:
			wrong = s.nonString[s.mixer.IntN(len(s.nonString))]
		case MalformedMissingField:
			skip = s.mixer.IntN(len(s.types))
		}
	}

	start := len(buf)
	var mid int
	if s.fast != nil && skip < 0 && wrong < 0 {
		// The generator writes the record itself (a cut record is cut below).
		var keyLen int
		buf, keyLen = s.fast.appendNextJSON(s.content, et, buf)
		mid = start + keyLen
	} else {
		s.vals = s.gen.Next(s.content, ev.EventTime, s.vals[:0])
		if err := s.check(); err != nil {
			return buf, err
		}
		s.vals[s.tsIdx] = Value{typ: TypeTimestamp, n: et} // the stream, not the generator, owns event time
		buf = s.vals[s.keyIdx].appendKey(buf)
		mid = len(buf)
		buf = s.enc.appendRecord(buf, s.vals, skip, wrong)
	}
	// Slice only now: the record may have moved buf to a new array.
	if mid > start { // an empty key stays nil
		ev.Key = buf[start:mid:mid]
	}
	v := buf[mid:len(buf):len(buf)]
	s.sizeHint = max(s.sizeHint, len(buf)-start)
	if cut {
		// Keep between a quarter and three quarters: never the whole record, never empty.
		n := len(v)/4 + s.mixer.IntN(len(v)/2+1)
		v = v[:n:n]
	}
	ev.Value = v
	s.seq++
	return buf, nil
}

// check reports values that do not match the schema.
func (s *Stream) check() error {
	if len(s.vals) != len(s.types) {
		return fmt.Errorf("%w: %s gave %d values for %d fields", ErrSchemaMismatch, s.schema.Name, len(s.vals), len(s.schema.Fields))
	}
	for i, t := range s.types {
		if got := s.vals[i].typ; got != t {
			return fmt.Errorf("%w: %s field %s is %s, want %s", ErrSchemaMismatch, s.schema.Name, s.schema.Fields[i].Name, got, t)
		}
	}
	return nil
}
