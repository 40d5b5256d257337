// Peer timing for scripts/bench-iso8583: moov-io/iso8583 (Go module) pack+unpack of the same 0200
// chip sale and 0210 approval as core/benches/iso8583.rs, with moov's Spec87ASCII (hex-ASCII
// bitmap, ASCII data and LL/LLL prefixes, 55 as an LLL string; bitmap, 52 and 64 adjusted below:
// the iso87ascii layout). Pack a built message, then unpack into a new one, in a warm loop: a third of
// the budget warms up, then the median of 10 timed batches.
// Prints one line per message: "bench<TAB>implementation<TAB>message<TAB>bytes<TAB>us<TAB>hex".
package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
	"github.com/moov-io/iso8583/specs"
)

// spec is moov's Spec87ASCII with an 8-byte primary bitmap, and 52 and 64 as 8 binary bytes written as 16 hex characters: the
// stock definitions (String, Hex.Fixed prefix) pack a 16-byte value and cannot unpack what they pack.
var spec = func() *iso8583.MessageSpec {
	s := *specs.Spec87ASCII
	s.Fields = maps.Clone(s.Fields)
	for _, id := range []int{52, 64} {
		s.Fields[id] = field.NewBinary(&field.Spec{
			Length:      8,
			Description: s.Fields[id].Spec().Description,
			Enc:         encoding.BytesToASCIIHex,
			Pref:        prefix.ASCII.Fixed,
		})
	}
	// The stock bitmap is 16 bytes (32 hex characters, even with no field above 64); 8 bytes makes
	// the secondary bitmap appear only when needed, as in iso87ascii.
	s.Fields[1] = field.NewBitmap(&field.Spec{
		Length:      8,
		Description: "Bitmap",
		Enc:         encoding.BytesToASCIIHex,
		Pref:        prefix.Hex.Fixed,
	})
	return &s
}()

const icc = "9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF" +
	"9F360200FF950500000000009A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8"

type fieldValue struct {
	id    int
	value string
}

var sale = []fieldValue{
	{0, "0200"}, {2, "6212345678901232"}, {3, "000000"}, {4, "000000001000"}, {11, "000321"}, {14, "3012"},
	{22, "051"}, {23, "001"}, {25, "00"}, {26, "12"}, {35, "6212345678901232=3012201123456789"},
	{41, "10000001"}, {42, "898310048990001"}, {49, "156"}, {52, "1122334455667788"},
	{53, "2600000000000000"}, {55, icc}, {60, "22000001000500"}, {64, "A1B2C3D4E5F60718"},
}

var approval = []fieldValue{
	{0, "0210"}, {2, "6212345678901232"}, {3, "000000"}, {4, "000000001000"}, {11, "000321"}, {12, "153045"},
	{13, "1123"}, {14, "3012"}, {15, "1124"}, {25, "00"}, {32, "48020000"}, {37, "153045123456"},
	{38, "654321"}, {39, "00"}, {41, "10000001"}, {42, "898310048990001"}, {44, "0303000003030000000000"},
	{49, "156"}, {55, "910A1122334455667788990072"}, {60, "22000001"}, {64, "0102030405060708"},
}

// build sets every field; the PIN block and MAC are bytes (moov writes them as hex characters).
func build(fields []fieldValue) (*iso8583.Message, error) {
	m := iso8583.NewMessage(spec)
	for _, f := range fields {
		var err error
		switch f.id {
		case 0:
			m.MTI(f.value)
		case 52, 64:
			b, _ := hex.DecodeString(f.value)
			err = m.BinaryField(f.id, b)
		default:
			err = m.Field(f.id, f.value)
		}
		if err != nil {
			return nil, fmt.Errorf("field %d: %w", f.id, err)
		}
	}
	return m, nil
}

var sink *iso8583.Message

func once(m *iso8583.Message) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	u := iso8583.NewMessage(spec)
	if err := u.Unpack(b); err != nil {
		return err
	}
	sink = u
	return nil
}

func run(m *iso8583.Message, seconds float64) (float64, error) {
	warmEnd := time.Now().Add(time.Duration(seconds / 3 * float64(time.Second)))
	n := 0
	for time.Now().Before(warmEnd) {
		if err := once(m); err != nil {
			return 0, err
		}
		n++
	}
	batch := max(1000, n*2/3/10)
	us := make([]float64, 10)
	for b := range us {
		t0 := time.Now()
		for i := 0; i < batch; i++ {
			if err := once(m); err != nil {
				return 0, err
			}
		}
		us[b] = float64(time.Since(t0).Nanoseconds()) / 1e3 / float64(batch)
	}
	sort.Float64s(us)
	return (us[4] + us[5]) / 2, nil
}

func main() {
	seconds := flag.Float64("seconds", 1.5, "timing budget per message")
	flag.Parse()
	for _, c := range []struct {
		name   string
		fields []fieldValue
	}{{"0200 sale", sale}, {"0210 approval", approval}} {
		m, err := build(c.fields)
		if err == nil {
			var packed []byte
			if packed, err = m.Pack(); err == nil {
				u := iso8583.NewMessage(spec)
				if err = u.Unpack(packed); err == nil {
					if pan, _ := u.GetString(2); pan != "6212345678901232" {
						err = fmt.Errorf("round trip: field 2 is %q", pan)
					}
				}
				var us float64
				if err == nil {
					us, err = run(m, *seconds)
				}
				if err == nil {
					fmt.Printf("bench\tmoov-io/iso8583 (Go)\t%s\t%d\t%.3f\t%s\n", c.name, len(packed), us,
						strings.ToUpper(hex.EncodeToString(packed)))
				}
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "moov-io/iso8583 %s: %v\n", c.name, err)
			os.Exit(1)
		}
	}
}
