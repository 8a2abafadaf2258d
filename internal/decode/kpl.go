package decode

import (
	"bytes"
	"crypto/md5"
	"errors"
	"strconv"
)

// The Kinesis Producer Library packs many user records into one Kinesis
// record:
//
//	F3 89 9A C2 | protobuf AggregatedRecord | MD5(protobuf), 16 bytes
//
//	message AggregatedRecord {
//	  repeated string partition_key_table     = 1;
//	  repeated string explicit_hash_key_table = 2;
//	  repeated Record records                 = 3;
//	}
//	message Record {
//	  required uint64 partition_key_index     = 1;
//	  optional uint64 explicit_hash_key_index = 2;
//	  required bytes  data                    = 3;
//	  repeated Tag    tags                    = 4;
//	}
//
// The wire format is decoded by hand: three messages do not justify a code
// generator and a protobuf runtime dependency.

var kplMagic = []byte{0xF3, 0x89, 0x9A, 0xC2}

const md5Len = md5.Size

type kplSub struct {
	pk, ehk       uint64
	hasPK, hasEHK bool
	data          []byte
	hasData       bool
}

type kplScratch struct {
	pks, ehks [][]byte
	recs      []kplSub
}

func (d *Decoder) decodeKPL(data []byte, base *Event, dst []Event, st *Stats) []Event {
	st.KPLAggregates++
	agg := *base
	agg.Layers |= LayerKPL
	if len(data) < len(kplMagic)+md5Len {
		return append(dst, undecoded(&agg, data, "KPL record too short for its MD5 trailer: shown undecoded"))
	}
	body := data[len(kplMagic) : len(data)-md5Len]
	if sum := md5.Sum(body); !bytes.Equal(sum[:], data[len(data)-md5Len:]) {
		return append(dst, undecoded(&agg, data, "KPL MD5 mismatch: shown undecoded"))
	}
	if err := d.kpl.parse(body); err != nil {
		return append(dst, undecoded(&agg, data, "KPL protobuf malformed: "+err.Error()+": shown undecoded"))
	}
	if len(d.kpl.recs) == 0 {
		return append(dst, undecoded(&agg, data, "KPL aggregate holds no records: shown undecoded"))
	}
	// The events keep the keys as strings; convert each table entry once.
	pks := make([]string, len(d.kpl.pks))
	for i, k := range d.kpl.pks {
		pks[i] = string(k)
	}
	ehks := make([]string, len(d.kpl.ehks))
	for i, k := range d.kpl.ehks {
		ehks[i] = string(k)
	}
	recs := d.kpl.recs
	st.KPLSubRecords += len(recs)
	for i := range recs {
		r := &recs[i]
		sub := agg
		sub.Origin.SubIndex = i
		var problem string
		switch {
		case !r.hasPK:
			problem = "KPL sub-record has no partition key index"
		case r.pk >= uint64(len(pks)):
			problem = "KPL partition key index " + strconv.FormatUint(r.pk, 10) + " is outside the table of " + strconv.Itoa(len(pks))
		default:
			sub.Origin.PartitionKey = pks[r.pk]
		}
		if r.hasEHK {
			if r.ehk < uint64(len(ehks)) {
				sub.Origin.ExplicitHashKey = ehks[r.ehk]
			} else if problem == "" {
				problem = "KPL explicit hash key index " + strconv.FormatUint(r.ehk, 10) + " is outside the table of " + strconv.Itoa(len(ehks))
			}
		}
		if !r.hasData && problem == "" {
			problem = "KPL sub-record has no data field"
		}
		n := len(dst)
		dst = d.decodePayload(r.data, &sub, dst, st)
		if problem != "" {
			for j := n; j < len(dst); j++ {
				if dst[j].Problem == "" {
					dst[j].Problem = problem
				}
			}
		}
	}
	return dst
}

// parse reads an AggregatedRecord. Fields may come in any order, as
// protobuf allows; unknown fields are skipped.
func (k *kplScratch) parse(b []byte) error {
	k.pks, k.ehks, k.recs = k.pks[:0], k.ehks[:0], k.recs[:0]
	for i := 0; i < len(b); {
		field, wt, n, err := tag(b[i:])
		if err != nil {
			return at(i, err)
		}
		i += n
		if wt == wtBytes && field >= 1 && field <= 3 {
			v, n, err := lengthDelimited(b[i:])
			if err != nil {
				return at(i, err)
			}
			switch field {
			case 1:
				k.pks = append(k.pks, v)
			case 2:
				k.ehks = append(k.ehks, v)
			case 3:
				r, err := parseSub(v)
				if err != nil {
					return errors.New("record " + strconv.Itoa(len(k.recs)) + ": " + at(i+n-len(v), err).Error())
				}
				k.recs = append(k.recs, r)
			}
			i += n
			continue
		}
		n, err = skipField(b[i:], wt)
		if err != nil {
			return at(i, err)
		}
		i += n
	}
	return nil
}

func parseSub(b []byte) (kplSub, error) {
	var r kplSub
	for i := 0; i < len(b); {
		field, wt, n, err := tag(b[i:])
		if err != nil {
			return r, at(i, err)
		}
		i += n
		switch {
		case (field == 1 || field == 2) && wt == wtVarint:
			v, n, err := varint(b[i:])
			if err != nil {
				return r, at(i, err)
			}
			if field == 1 {
				r.pk, r.hasPK = v, true
			} else {
				r.ehk, r.hasEHK = v, true
			}
			i += n
		case field == 3 && wt == wtBytes:
			v, n, err := lengthDelimited(b[i:])
			if err != nil {
				return r, at(i, err)
			}
			r.data, r.hasData = v, true
			i += n
		default: // tags (4) and unknown fields
			n, err := skipField(b[i:], wt)
			if err != nil {
				return r, at(i, err)
			}
			i += n
		}
	}
	return r, nil
}

// Protobuf wire types.
const (
	wtVarint  = 0
	wtFixed64 = 1
	wtBytes   = 2
	wtFixed32 = 5
)

var (
	errVarint    = errors.New("bad varint")
	errTruncated = errors.New("field runs past the end")
	errWireType  = errors.New("unsupported wire type")
)

func at(off int, err error) error {
	return errors.New(err.Error() + " at byte " + strconv.Itoa(off))
}

func varint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if i == 9 && c > 1 {
				return 0, 0, errVarint // overflows 64 bits
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errVarint
}

func tag(b []byte) (field uint64, wt int, n int, err error) {
	v, n, err := varint(b)
	if err != nil {
		return 0, 0, 0, err
	}
	if v>>3 == 0 {
		return 0, 0, 0, errors.New("field number 0")
	}
	return v >> 3, int(v & 7), n, nil
}

func lengthDelimited(b []byte) ([]byte, int, error) {
	l, n, err := varint(b)
	if err != nil {
		return nil, 0, err
	}
	if l > uint64(len(b)-n) {
		return nil, 0, errTruncated
	}
	return b[n : n+int(l)], n + int(l), nil
}

func skipField(b []byte, wt int) (int, error) {
	switch wt {
	case wtVarint:
		_, n, err := varint(b)
		return n, err
	case wtFixed64:
		if len(b) < 8 {
			return 0, errTruncated
		}
		return 8, nil
	case wtBytes:
		_, n, err := lengthDelimited(b)
		return n, err
	case wtFixed32:
		if len(b) < 4 {
			return 0, errTruncated
		}
		return 4, nil
	}
	return 0, errWireType
}
