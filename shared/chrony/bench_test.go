package chrony_test

import (
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/chrony"
)

func BenchmarkParseAndEvaluate_CSV(b *testing.B) {
	in := "A9FEA97B,169.254.169.123,4,1511356714.000000000,0.000000626,0.002852759,0.002852759,1.187,0.020,24.388,0.000504752,0.001112565,64.4,Normal\n"
	b.ReportAllocs()
	for b.Loop() {
		t, err := chrony.Parse(in)
		if err != nil {
			b.Fatal(err)
		}
		if ok, _ := chrony.EvaluateTimeSync(t, 100*time.Millisecond); !ok {
			b.Fatal("not ok")
		}
	}
}
