package analysis

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestParseHashKeyRoundTripsAgainstMathBig(t *testing.T) {
	cases := []string{
		"0", "1", "18446744073709551615", "18446744073709551616",
		"170141183460469231731687303715884105728",
		"340282366920938463463374607431768211455",
		"10000000000000000000", "100000000000000000000000000000000000000",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := new(big.Int).Lsh(new(big.Int).SetUint64(r.Uint64()), 64)
		b.Or(b, new(big.Int).SetUint64(r.Uint64()))
		b.Rsh(b, uint(r.IntN(128)))
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		k, err := ParseHashKey(c)
		if err != nil {
			t.Fatalf("ParseHashKey(%s): %v", c, err)
		}
		if got := k.String(); got != c {
			t.Errorf("String() = %s, want %s", got, c)
		}
		if got := k.Big().String(); got != c {
			t.Errorf("Big() = %s, want %s", got, c)
		}
		back, err := HashKeyFromBig(k.Big())
		if err != nil || back != k {
			t.Errorf("HashKeyFromBig(%s) = %v, %v", c, back, err)
		}
	}
}

func TestParseHashKeyRejectsWhatKinesisWouldNot(t *testing.T) {
	for _, bad := range []string{"", "-1", "1.5", "0x10", " 1", "340282366920938463463374607431768211456",
		"999999999999999999999999999999999999999", "1e10", "abc"} {
		if _, err := ParseHashKey(bad); err == nil {
			t.Errorf("ParseHashKey(%q) accepted", bad)
		}
	}
	if _, err := HashKeyFromBig(new(big.Int).Lsh(big.NewInt(1), 128)); err == nil {
		t.Error("HashKeyFromBig(2^128) accepted")
	}
	if _, err := HashKeyFromBig(big.NewInt(-1)); err == nil {
		t.Error("HashKeyFromBig(-1) accepted")
	}
	if _, err := ParseHashRange("10", "9"); err == nil {
		t.Error("a range ending before it starts was accepted")
	}
}

func TestUniformRangesMatchKinesisLayout(t *testing.T) {
	want4 := []string{"0", "85070591730234615865843651857942052864",
		"170141183460469231731687303715884105728", "255211775190703847597530955573826158592"}
	rs := UniformRanges(4)
	for i, r := range rs {
		if r.Start.String() != want4[i] {
			t.Errorf("shard %d starts at %s, want %s", i, r.Start, want4[i])
		}
		if r.Share() != 0.25 {
			t.Errorf("shard %d share %v, want exactly 0.25", i, r.Share())
		}
	}
	if rs[3].End != MaxHashKey {
		t.Errorf("last shard ends at %s", rs[3].End)
	}
	if got := UniformRanges(3)[1].Start.String(); got != "113427455640312821154458202477256070485" {
		t.Errorf("3 shards: second starts at %s", got)
	}
	for _, n := range []int{1, 3, 7, 1000} {
		sum := new(big.Rat)
		rs := UniformRanges(n)
		for i, r := range rs {
			sum.Add(sum, r.ShareRat())
			if i > 0 && !Adjacent(rs[i-1], r) {
				t.Fatalf("n=%d: ranges %d and %d are not adjacent", n, i-1, i)
			}
		}
		if sum.Cmp(big.NewRat(1, 1)) != 0 {
			t.Errorf("n=%d: shares sum to %s, want exactly 1", n, sum)
		}
	}
	if FullRange.Share() != 1 {
		t.Errorf("full range share %v", FullRange.Share())
	}
}

func TestMidpointSplitsEvenly(t *testing.T) {
	m, ok := FullRange.Midpoint()
	if !ok || m.String() != "170141183460469231731687303715884105728" {
		t.Fatalf("midpoint of the keyspace = %s, %v", m, ok)
	}
	lower := HashRange{Start: FullRange.Start, End: m.Dec()}
	upper := HashRange{Start: m, End: FullRange.End}
	if lower.Share() != 0.5 || upper.Share() != 0.5 {
		t.Errorf("halves %v %v", lower.Share(), upper.Share())
	}
	odd := HashRange{Start: HashKey{Lo: 10}, End: HashKey{Lo: 12}} // 3 keys
	if m, _ := odd.Midpoint(); m.Lo != 12 {
		t.Errorf("midpoint of 10..12 = %s, want 12 (children 10..11 and 12..12)", m)
	}
	if _, ok := (HashRange{Start: HashKey{Lo: 5}, End: HashKey{Lo: 5}}).Midpoint(); ok {
		t.Error("a one-key range was split")
	}
	two := HashRange{Start: HashKey{Lo: 5}, End: HashKey{Lo: 6}}
	if m, ok := two.Midpoint(); !ok || m.Lo != 6 {
		t.Errorf("midpoint of 5..6 = %s, %v", m, ok)
	}
}

func TestAdjacentAndOverlap(t *testing.T) {
	rs := UniformRanges(4)
	if !Adjacent(rs[0], rs[1]) || Adjacent(rs[1], rs[0]) || Adjacent(rs[0], rs[2]) {
		t.Error("adjacency is wrong")
	}
	if Adjacent(rs[3], rs[0]) {
		t.Error("the last range wrapped around to the first")
	}
	if got := Overlap(FullRange, rs[2]); got != 0.25 {
		t.Errorf("overlap %v", got)
	}
	if got := Overlap(rs[0], rs[1]); got != 0 {
		t.Errorf("disjoint overlap %v", got)
	}
}
