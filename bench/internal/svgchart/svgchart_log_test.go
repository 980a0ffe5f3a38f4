package svgchart

import (
	"bytes"
	"strings"
	"testing"
)

func TestLogXAxis(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, Chart{Title: "t", XLabel: "rate", XLog: true, Panels: []Panel{{
		Title: "p", YLabel: "s",
		Series: []Series{{Name: "a", Points: []Point{{X: 0, Y: 9}, {X: 1000, Y: 1}, {X: 50000, Y: 2}}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	// Ticks at 1, 2 and 5 times the powers of ten from 1000 to 100000, with SI suffixes.
	for _, tick := range []string{">1k<", ">2k<", ">5k<", ">10k<", ">20k<", ">50k<", ">100k<"} {
		if !strings.Contains(svg, tick) {
			t.Errorf("no tick %s", tick)
		}
	}
	if strings.Contains(svg, ">200k<") || strings.Contains(svg, ">500<") {
		t.Error("ticks beyond the decades of the data")
	}
	// The x = 0 point is left out: the line has two points, 1000 at the left edge
	// (marginLeft) and 50000 at log10(50)/2 of the plot width.
	i := strings.Index(svg, `<polyline points="`)
	if i < 0 {
		t.Fatal("no line")
	}
	pts := strings.Fields(svg[i+len(`<polyline points="`) : i+strings.Index(svg[i:], `" fill`)])
	if len(pts) != 2 || !strings.HasPrefix(pts[0], "70.0,") || !strings.HasPrefix(pts[1], "724.1,") {
		t.Errorf("points %v, want 70.0,… and 724.1,…", pts)
	}
}

func TestSILabel(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 500: "500", 1000: "1k", 2500: "2.5k", 1e6: "1M", 5e6: "5M", 1e7: "10M", 2e9: "2G"} {
		if got := siLabel(v); got != want {
			t.Errorf("siLabel(%v) = %q, want %q", v, got, want)
		}
	}
}
