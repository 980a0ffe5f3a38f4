package connect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// ErrInvalidTag is wrapped by the error of a call given an operation tag that Spark does not
// accept: an empty one, or one with a comma (Spark joins job tags with commas).
var ErrInvalidTag = errors.New("spark connect: invalid operation tag")

// ValidateTag returns an error wrapping [ErrInvalidTag] for a tag Spark rejects (empty, or
// with a comma), as PySpark's and Spark's own checks do, and nil for a valid one: for
// checking tags early, before [WithOperationTags] puts them in a context.
func ValidateTag(tag string) error {
	switch {
	case tag == "":
		return fmt.Errorf("%w: a tag must not be empty", ErrInvalidTag)
	case strings.Contains(tag, ","):
		return fmt.Errorf("%w: %q contains a comma", ErrInvalidTag, tag)
	}
	return nil
}

// tagSet is a session's operation tags, in the order they were added.
type tagSet struct {
	mu   sync.Mutex
	tags []string
}

// AddTag adds an operation tag to the session: every operation that the session starts
// from now on (each action: Collect, Rows, Count, Show, a write, a SQL command, a streaming
// query's start) carries it, until RemoveTag or ClearTags, so that [Session.InterruptTag]
// can interrupt them from another goroutine. A tag must be non-empty and must not contain
// a comma (else the error wraps [ErrInvalidTag]); adding a tag twice keeps one.
//
// PySpark keeps tags per thread; a Go session has no notion of the calling goroutine, so
// its tags are the session's and apply to the operations of every goroutine. To tag only
// the operations started with one context, use [WithOperationTags]. AddTag is safe for
// concurrent use. A nil Session returns ErrClosed.
func (s *Session) AddTag(tag string) error {
	if s == nil {
		return ErrClosed
	}
	if err := ValidateTag(tag); err != nil {
		return err
	}
	s.tags.mu.Lock()
	defer s.tags.mu.Unlock()
	if !slices.Contains(s.tags.tags, tag) {
		s.tags.tags = append(s.tags.tags, tag)
	}
	return nil
}

// RemoveTag removes an operation tag from the session; operations already started keep
// it. Removing a tag the session does not have does nothing. The tag is checked as AddTag
// checks it.
func (s *Session) RemoveTag(tag string) error {
	if s == nil {
		return ErrClosed
	}
	if err := ValidateTag(tag); err != nil {
		return err
	}
	s.tags.mu.Lock()
	defer s.tags.mu.Unlock()
	s.tags.tags = slices.DeleteFunc(s.tags.tags, func(t string) bool { return t == tag })
	return nil
}

// Tags returns the session's operation tags, in the order they were added (a copy; nil
// for none or a nil Session). Tags of contexts ([WithOperationTags]) are not included.
func (s *Session) Tags() []string {
	if s == nil {
		return nil
	}
	s.tags.mu.Lock()
	defer s.tags.mu.Unlock()
	return slices.Clone(s.tags.tags)
}

// ClearTags removes all the session's operation tags.
func (s *Session) ClearTags() {
	if s == nil {
		return
	}
	s.tags.mu.Lock()
	defer s.tags.mu.Unlock()
	s.tags.tags = nil
}

// tagsKey is the context key of the tags of WithOperationTags.
type tagsKey struct{}

// WithOperationTags returns a context whose operations carry the given tags, besides the
// session's own (see [Session.AddTag]): every action called with the context, or one
// derived from it, tags the operations it starts. Tags of enclosing contexts are kept. An
// action called with an invalid tag (empty, or with a comma) fails with an error wrapping
// [ErrInvalidTag] before it sends anything.
//
//	ctx := connect.WithOperationTags(ctx, "nightly-rollup")
//	go func() { <-stop; s.InterruptTag(context.Background(), "nightly-rollup") }()
//	n, err := df.Count(ctx) // errors.Is(err, connect.ErrInterrupted) once interrupted
func WithOperationTags(ctx context.Context, tags ...string) context.Context {
	if len(tags) == 0 {
		return ctx
	}
	outer, _ := ctx.Value(tagsKey{}).([]string)
	all := append(slices.Clip(outer), tags...)
	return context.WithValue(ctx, tagsKey{}, all)
}

// operationTags returns the tags of an operation started with ctx: explicit ones, the
// session's, then the context's, each once, all checked.
func (s *Session) operationTags(ctx context.Context, explicit []string) ([]string, error) {
	ctxTags, _ := ctx.Value(tagsKey{}).([]string)
	var out []string
	for _, group := range [][]string{explicit, s.Tags(), ctxTags} {
		for _, t := range group {
			if err := ValidateTag(t); err != nil {
				return nil, err
			}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out, nil
}
