package runtimeapi

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Sample is one measured cold start.
type Sample struct {
	// Init runs from just before the process starts to its first /next.
	Init time.Duration
	// First and Warm are the first and second invocations of the event,
	// from hand-over to response.
	First, Warm time.Duration
	// FirstResult is what the first invocation returned.
	FirstResult Result
	// PeakRSS is the process's maximum resident set size, in bytes.
	PeakRSS int64
}

// ColdStart starts the bootstrap at path with env (plus
// AWS_LAMBDA_RUNTIME_API pointing at a fresh fake), waits for its first
// /next, invokes event twice, stops the process and returns the figures.
// It fails, with the process's output, when the process exits early, posts
// an init error, or does not answer within timeout.
func ColdStart(ctx context.Context, path string, env []string, event []byte, timeout time.Duration) (Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	srv, err := NewServer()
	if err != nil {
		return Sample{}, err
	}
	defer srv.Close()

	var out bytes.Buffer
	cmd := exec.Command(path)
	cmd.Env = append(env[:len(env):len(env)], "AWS_LAMBDA_RUNTIME_API="+srv.Addr())
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Sample{}, fmt.Errorf("start %s: %w", path, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	fail := func(err error) (Sample, error) {
		stop()
		if waitErr != nil {
			err = fmt.Errorf("%w (%v)", err, waitErr)
		}
		return Sample{}, fmt.Errorf("%s: %w\n--- output ---\n%s", path, err, tail(out.Bytes(), 2000))
	}

	nextAt, err := srv.WaitNext(ctx, exited)
	if err != nil {
		return fail(err)
	}
	s := Sample{Init: nextAt.Sub(start)}
	if ie, ok := srv.InitError(); ok {
		return fail(fmt.Errorf("init error posted: %s", ie.Body))
	}
	r1, err := srv.Invoke(ctx, event)
	if err != nil {
		return fail(err)
	}
	r2, err := srv.Invoke(ctx, event)
	if err != nil {
		return fail(err)
	}
	s.First, s.Warm, s.FirstResult = r1.Elapsed, r2.Elapsed, r1
	// VmHWM, not getrusage: Go starts the child with vfork, so the child's
	// ru_maxrss starts at the parent's (this benchmark's) resident set.
	hwm, err := peakRSS(cmd.Process.Pid)
	if err != nil {
		return fail(err)
	}
	s.PeakRSS = hwm
	stop()
	return s, nil
}

// peakRSS reads the peak resident set (VmHWM) of a running process, in
// bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("peak RSS: %q: %w", line, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("peak RSS: no VmHWM in /proc/%d/status", pid)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
