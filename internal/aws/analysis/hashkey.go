// Package analysis is the pure arithmetic behind the Kinesis panes: hash-key
// ranges as exact shares of the 2^128 keyspace, shard lineage, hot/cold
// shards, the keyspace map, consumer lag and reshard suggestions. Nothing here
// does I/O, so all of it is tested and benchmarked without a stream.
package analysis

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// HashKey is a Kinesis hash key: an unsigned 128-bit integer (the MD5 of a
// partition key). Hi holds the upper 64 bits.
type HashKey struct{ Hi, Lo uint64 }

// MaxHashKey is 2^128 - 1, the ending hash key of the last shard.
var MaxHashKey = HashKey{Hi: math.MaxUint64, Lo: math.MaxUint64}

var errHashKeySyntax = errors.New("a hash key is a decimal integer between 0 and 2^128-1 (340282366920938463463374607431768211455)")

// ParseHashKey parses the decimal form Kinesis uses on the wire.
func ParseHashKey(s string) (HashKey, error) {
	if s == "" || len(s) > 39 {
		return HashKey{}, fmt.Errorf("hash key %q: %w", s, errHashKeySyntax)
	}
	var k HashKey
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return HashKey{}, fmt.Errorf("hash key %q: %w", s, errHashKeySyntax)
		}
		// k = k*10 + digit, failing on overflow past 2^128-1.
		hiHi, hiLo := bits.Mul64(k.Hi, 10)
		loHi, loLo := bits.Mul64(k.Lo, 10)
		hi, carry := bits.Add64(hiLo, loHi, 0)
		if hiHi != 0 || carry != 0 {
			return HashKey{}, fmt.Errorf("hash key %q: %w", s, errHashKeySyntax)
		}
		lo, c2 := bits.Add64(loLo, uint64(c-'0'), 0)
		hi, c3 := bits.Add64(hi, 0, c2)
		if c3 != 0 {
			return HashKey{}, fmt.Errorf("hash key %q: %w", s, errHashKeySyntax)
		}
		k = HashKey{Hi: hi, Lo: lo}
	}
	return k, nil
}

// String is the decimal form, as Kinesis sends it.
func (k HashKey) String() string {
	if k.Hi == 0 {
		return fmt.Sprint(k.Lo)
	}
	// Split into base-10^19 limbs with 128-by-64 division.
	const base = 10_000_000_000_000_000_000
	var limbs [3]uint64
	n := 0
	hi, lo := k.Hi, k.Lo
	for hi != 0 || lo != 0 {
		qHi := hi / base
		r := hi % base
		qLo, rem := bits.Div64(r, lo, base)
		limbs[n] = rem
		n++
		hi, lo = qHi, qLo
	}
	s := fmt.Sprint(limbs[n-1])
	for i := n - 2; i >= 0; i-- {
		s += fmt.Sprintf("%019d", limbs[i])
	}
	return s
}

// Big converts to math/big for callers that need general arithmetic.
func (k HashKey) Big() *big.Int {
	b := new(big.Int).SetUint64(k.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(k.Lo))
}

// HashKeyFromBig converts back; it fails outside [0, 2^128-1].
func HashKeyFromBig(b *big.Int) (HashKey, error) {
	if b.Sign() < 0 || b.BitLen() > 128 {
		return HashKey{}, fmt.Errorf("hash key %s: %w", b, errHashKeySyntax)
	}
	lo := new(big.Int).And(b, new(big.Int).SetUint64(math.MaxUint64))
	hi := new(big.Int).Rsh(b, 64)
	return HashKey{Hi: hi.Uint64(), Lo: lo.Uint64()}, nil
}

// Cmp returns -1, 0 or +1.
func (k HashKey) Cmp(o HashKey) int {
	switch {
	case k.Hi < o.Hi:
		return -1
	case k.Hi > o.Hi:
		return 1
	case k.Lo < o.Lo:
		return -1
	case k.Lo > o.Lo:
		return 1
	}
	return 0
}

// Inc returns k+1 and whether it wrapped past 2^128-1.
func (k HashKey) Inc() (HashKey, bool) {
	lo, c := bits.Add64(k.Lo, 1, 0)
	hi, c2 := bits.Add64(k.Hi, 0, c)
	return HashKey{Hi: hi, Lo: lo}, c2 != 0
}

// Dec returns k-1 (k must not be 0).
func (k HashKey) Dec() HashKey {
	lo, b := bits.Sub64(k.Lo, 1, 0)
	hi, _ := bits.Sub64(k.Hi, 0, b)
	return HashKey{Hi: hi, Lo: lo}
}

// sub returns k-o; callers guarantee k >= o.
func (k HashKey) sub(o HashKey) HashKey {
	lo, b := bits.Sub64(k.Lo, o.Lo, 0)
	hi, _ := bits.Sub64(k.Hi, o.Hi, b)
	return HashKey{Hi: hi, Lo: lo}
}

// add returns k+o and the carry out of bit 127.
func (k HashKey) add(o HashKey) (HashKey, bool) {
	lo, c := bits.Add64(k.Lo, o.Lo, 0)
	hi, c2 := bits.Add64(k.Hi, o.Hi, c)
	return HashKey{Hi: hi, Lo: lo}, c2 != 0
}

// half returns k/2.
func (k HashKey) half() HashKey {
	return HashKey{Hi: k.Hi >> 1, Lo: k.Lo>>1 | k.Hi<<63}
}

// float is k as a float64 (rounded; used only for shares).
func (k HashKey) float() float64 {
	return float64(k.Hi)*0x1p64 + float64(k.Lo)
}

// HashRange is an inclusive range of hash keys, as in a shard's HashKeyRange.
type HashRange struct{ Start, End HashKey }

// FullRange is the whole keyspace, the range of a one-shard stream.
var FullRange = HashRange{End: MaxHashKey}

// ParseHashRange parses the two decimal strings of a HashKeyRange.
func ParseHashRange(start, end string) (HashRange, error) {
	s, err := ParseHashKey(start)
	if err != nil {
		return HashRange{}, err
	}
	e, err := ParseHashKey(end)
	if err != nil {
		return HashRange{}, err
	}
	if e.Cmp(s) < 0 {
		return HashRange{}, fmt.Errorf("hash key range %s..%s ends before it starts", start, end)
	}
	return HashRange{Start: s, End: e}, nil
}

// Contains reports whether k lies in the range.
func (r HashRange) Contains(k HashKey) bool {
	return r.Start.Cmp(k) <= 0 && k.Cmp(r.End) <= 0
}

// Width is End-Start, one less than the number of keys (so the full range
// still fits in 128 bits). Size is exact: Width()+1.
func (r HashRange) Width() HashKey { return r.End.sub(r.Start) }

// Share is the range's exact size divided by 2^128, rounded to float64 only
// at the end; the full range is exactly 1.
func (r HashRange) Share() float64 {
	return (r.Width().float() + 1) * 0x1p-128
}

// ShareRat is the exact share as a rational number, for callers (and tests)
// that must not round.
func (r HashRange) ShareRat() *big.Rat {
	size := r.Width().Big()
	size.Add(size, big.NewInt(1))
	den := new(big.Int).Lsh(big.NewInt(1), 128)
	return new(big.Rat).SetFrac(size, den)
}

// Midpoint is the NewStartingHashKey that splits the range into two halves
// (the lower child gets the extra key when the size is odd). ok is false for
// a one-key range, which cannot be split.
func (r HashRange) Midpoint() (HashKey, bool) {
	w := r.Width()
	if w == (HashKey{}) {
		return HashKey{}, false
	}
	m, _ := r.Start.add(w.half())
	m, _ = m.Inc()
	return m, true
}

// Adjacent reports whether a ends exactly one key before b starts.
func Adjacent(a, b HashRange) bool {
	next, wrapped := a.End.Inc()
	return !wrapped && next == b.Start
}

// Overlap is the number of keys in both ranges as a share of 2^128.
func Overlap(a, b HashRange) float64 {
	start, end := a.Start, a.End
	if b.Start.Cmp(start) > 0 {
		start = b.Start
	}
	if b.End.Cmp(end) < 0 {
		end = b.End
	}
	if end.Cmp(start) < 0 {
		return 0
	}
	return HashRange{Start: start, End: end}.Share()
}

// UniformRanges divides the keyspace into n ranges the way Kinesis does for
// CreateStream and UNIFORM_SCALING: range i starts at floor(i * 2^128 / n).
func UniformRanges(n int) []HashRange {
	if n <= 0 {
		return nil
	}
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	starts := make([]HashKey, n)
	for i := range n {
		v := new(big.Int).Mul(space, big.NewInt(int64(i)))
		v.Quo(v, big.NewInt(int64(n)))
		starts[i], _ = HashKeyFromBig(v)
	}
	out := make([]HashRange, n)
	for i := range n {
		end := MaxHashKey
		if i+1 < n {
			end = starts[i+1].Dec()
		}
		out[i] = HashRange{Start: starts[i], End: end}
	}
	return out
}
