package connect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// DataFrameArg is a DataFrame passed into the text of a SQL statement, written {name} in
// the query. Make one with [Ref].
type DataFrameArg struct {
	Name string
	DF   *DataFrame
}

// Ref passes a DataFrame into a SQL statement, where {name} stands for it as a table, as
// PySpark's spark.sql("SELECT * FROM {df}", df=df) does:
//
//	s.SQL(ctx, "SELECT * FROM {orders} WHERE amount > :min",
//		connect.Ref("orders", orders), connect.Named("min", 100))
//
// The DataFrame is sent within the statement's plan under a name private to it (no
// temporary view is created). With a Ref among the arguments, the query text is a
// template: {name} must name a Ref, and literal braces are written {{ and }}. Values go in
// as SQL parameters ([Named] or positional), never as text.
func Ref(name string, df *DataFrame) DataFrameArg { return DataFrameArg{Name: name, DF: df} }

// sqlWithRefs replaces the {name} placeholders of query by private names of the referenced
// DataFrames, and returns the SubqueryAlias relations that define those names.
func (s *Session) sqlWithRefs(query string, refs []DataFrameArg) (string, []*sparkpb.Relation, error) {
	byName := map[string]*DataFrame{}
	for _, r := range refs {
		if r.Name == "" {
			return "", nil, fmt.Errorf("sql: a Ref has no name")
		}
		if err := r.DF.Err(); err != nil {
			return "", nil, fmt.Errorf("sql: {%s}: %w", r.Name, err)
		}
		if _, dup := byName[r.Name]; dup {
			return "", nil, fmt.Errorf("sql: {%s} is given twice", r.Name)
		}
		if r.DF.s != s {
			return "", nil, fmt.Errorf("sql: {%s}: the DataFrame belongs to another session", r.Name)
		}
		byName[r.Name] = r.DF
	}
	var (
		b     strings.Builder
		views []*sparkpb.Relation
		alias = map[*DataFrame]string{}
		used  = map[string]bool{}
	)
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '{' && i+1 < len(query) && query[i+1] == '{':
			b.WriteByte('{')
			i++
		case ch == '}' && i+1 < len(query) && query[i+1] == '}':
			b.WriteByte('}')
			i++
		case ch == '{':
			end := strings.IndexByte(query[i:], '}')
			if end < 0 {
				return "", nil, fmt.Errorf("sql: unclosed { at offset %d (write a literal brace as {{)", i)
			}
			name := query[i+1 : i+end]
			df, ok := byName[name]
			if !ok {
				return "", nil, fmt.Errorf("sql: {%s} at offset %d names no Ref (write a literal brace as {{)", name, i)
			}
			used[name] = true
			a, ok := alias[df]
			if !ok {
				a = "_sparkwire_df_" + strconv.FormatInt(df.rel.GetCommon().GetPlanId(), 10)
				alias[df] = a
				id := s.nextPlanID()
				views = append(views, &sparkpb.Relation{Common: &sparkpb.RelationCommon{PlanId: &id}, RelType: &sparkpb.Relation_SubqueryAlias{
					SubqueryAlias: &sparkpb.SubqueryAlias{Input: df.rel, Alias: a},
				}})
			}
			b.WriteString(a)
			i += end
		case ch == '}':
			return "", nil, fmt.Errorf("sql: lone } at offset %d (write a literal brace as }})", i)
		default:
			b.WriteByte(ch)
		}
	}
	for _, r := range refs {
		if !used[r.Name] {
			return "", nil, fmt.Errorf("sql: Ref %q does not appear in the query as {%s}", r.Name, r.Name)
		}
	}
	return b.String(), views, nil
}
