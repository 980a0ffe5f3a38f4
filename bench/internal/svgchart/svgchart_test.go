package svgchart

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	c := Chart{
		XLabel: "minutes",
		Title:  "soak <test> & more",
		Panels: []Panel{
			{Title: "Go", YLabel: "MiB", Series: []Series{
				{Name: "soak driver", Points: []Point{{0, 20}, {5, 22}, {10, 21}}},
				{Name: "producer", Points: []Point{{0, 12}, {5, 13}}},
			}},
			{Title: "Spark", YLabel: "MiB", Series: []Series{
				{Name: "RSS", Points: []Point{{0, 1500}, {10, 2100}}},
				{Name: "heap", Dashed: true, Points: []Point{{0, 300}, {10, 900}}},
				{Name: "empty"},
			}},
		},
		Markers: []Marker{{X: 10, Label: "production ends"}},
	}
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML, one polyline per series with points, titled with its name.
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	var lines = map[string]int{} // title -> number of points
	var texts []string
	var inPolyline bool
	var points string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, b.String())
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "polyline" {
				inPolyline = true
				for _, a := range tok.Attr {
					if a.Name.Local == "points" {
						points = a.Value
					}
				}
			}
		case xml.EndElement:
			if tok.Name.Local == "polyline" {
				inPolyline = false
			}
		case xml.CharData:
			if inPolyline {
				lines[string(tok)] = len(strings.Fields(points))
			} else if s := strings.TrimSpace(string(tok)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	want := map[string]int{"soak driver": 3, "producer": 2, "RSS": 2, "heap": 2}
	if len(lines) != len(want) {
		t.Errorf("polylines %v, want %v", lines, want)
	}
	for name, n := range want {
		if lines[name] != n {
			t.Errorf("polyline %q has %d points, want %d", name, lines[name], n)
		}
	}
	joined := strings.Join(texts, "|")
	for _, s := range []string{"soak <test> & more", "soak driver", "producer", "RSS", "heap", "empty", "production ends", "minutes", "2500"} {
		if !strings.Contains(joined, s) {
			t.Errorf("no text %q in %s", s, joined)
		}
	}
	if !strings.Contains(b.String(), `stroke-dasharray="6 4"`) {
		t.Error("the dashed series is not dashed")
	}
}

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ v, step, top float64 }{
		{2100, 500, 2500}, {22, 5, 25}, {30, 10, 30}, {0.7, 0.2, 0.8}, {0, 1, 1}, {math.NaN(), 1, 1}, {1, 0.2, 1},
	} {
		step, top := niceScale(c.v)
		if math.Abs(step-c.step) > 1e-9 || math.Abs(top-c.top) > 1e-9 {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", c.v, step, top, c.step, c.top)
		}
	}
	if got := tickLabel(0.4, 0.2); got != "0.4" {
		t.Errorf("tickLabel: %q", got)
	}
}
