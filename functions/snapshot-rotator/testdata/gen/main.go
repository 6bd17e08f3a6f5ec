// Command gen writes N snapshots as the JSON array `snapshot-rotator plan`
// reads, one per line, for benchmarks: hourly snapshots going back from
// 2026-11-21 with a little jitter, in a shuffled order, ids as the rotator
// names them. About 55 bytes a snapshot.
//
//	go run ./functions/snapshot-rotator/testdata/gen -n 1000000 > snapshots.json
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

func main() {
	n := flag.Int("n", 1000000, "how many snapshots")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, *seed))
	order := r.Perm(*n)
	base := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	w := bufio.NewWriter(os.Stdout)
	w.WriteString("[\n")
	for i, k := range order {
		at := base.Add(-time.Duration(k)*time.Hour + time.Duration(r.IntN(600))*time.Second)
		sep := ",\n"
		if i == len(order)-1 {
			sep = "\n"
		}
		fmt.Fprintf(w, `{"id": "pledge-db-%07d", "created": "%s"}%s`, k, at.Format(time.RFC3339), sep)
	}
	w.WriteString("]\n")
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
