package connect

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// The plan walks of the session's send path (placeholders of numeric aggregates, large local
// relations, observed relations) share these two traversals of protocol messages.

// eachChild calls f for each message directly inside m until f returns false.
func eachChild(m protoreflect.Message, f func(protoreflect.Message) bool) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				if !f(v.List().Get(i).Message()) {
					return false
				}
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			ok := true
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				ok = f(mv.Message())
				return ok
			})
			return ok
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			return f(v.Message())
		}
		return true
	})
}

// walkRelations calls f on every relation in m, at any depth.
func walkRelations(m protoreflect.Message, f func(*sparkpb.Relation)) {
	if r, ok := m.Interface().(*sparkpb.Relation); ok {
		f(r)
	}
	eachChild(m, func(c protoreflect.Message) bool {
		walkRelations(c, f)
		return true
	})
}
