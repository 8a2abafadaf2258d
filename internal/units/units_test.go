package units

import (
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	cases := map[string]string{
		Bytes(512):                      "512 B",
		Bytes(1536):                     "1.5 KiB",
		Bytes(52.3 * (1 << 30)):         "52.3 GiB",
		Bytes(300 * (1 << 30)):          "300 GiB",
		ByteRate(3.71 * 1024 * 1024):    "3.71 MiB/s",
		ByteRate(900):                   "900 B/s",
		Count(920_000):                  "920k",
		Count(4_100_000):                "4.1M",
		Duration(41 * time.Minute):      "41m",
		Duration(5*time.Hour + 12*60e9): "5h12m",
		Duration(51 * time.Hour):        "2d3h",
		Percent(87.4):                   "87%",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q want %q", got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	if got := Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8); got != "▁▂▃▄▅▆▇█" {
		t.Fatalf("%q", got)
	}
	if got := Sparkline([]float64{5, 5, 1, 2, 8}, 3); got != "▂▃█" {
		t.Fatalf("newest values kept: %q", got)
	}
	if Sparkline(nil, 5) != "" || Sparkline([]float64{0, 0}, 5) != "▁▁" {
		t.Fatal("empty and zero series")
	}
}
