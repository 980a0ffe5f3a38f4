package connect

import "errors"

// Transform returns f(c), so that reusable steps chain like methods:
//
//	cleaned := connect.Col("name").Transform(trim).Transform(lower)
//
// A nil f, or an invalid c, gives an invalid Column (the error surfaces at the action).
func (c Column) Transform(f func(Column) Column) Column {
	if f == nil {
		return Column{err: errors.New("column transform: the func is nil")}
	}
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	return f(c)
}
