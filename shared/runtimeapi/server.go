package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// APIVersion is the Runtime API version the fake serves.
const APIVersion = "2018-06-01"

// FunctionARN is the invoked function ARN the fake announces.
const FunctionARN = "arn:aws:lambda:ap-northeast-1:111122223333:function:cold-start"

// Deadline is the time each invocation is given (Lambda-Runtime-Deadline-Ms).
const Deadline = 60 * time.Second

// Result is the outcome of one invocation, or an init error.
type Result struct {
	RequestID string
	// Body is the response payload, or the error document.
	Body []byte
	// Failed is true when the runtime posted to /error (or /init/error).
	Failed bool
	// ErrorType is the Lambda-Runtime-Function-Error-Type header of an error.
	ErrorType string
	// Elapsed runs from the hand-over of the event by /next to the post.
	Elapsed time.Duration
}

type pending struct {
	id     string
	event  []byte
	handed time.Time
	done   chan Result
}

// Server is a fake Lambda Runtime API on 127.0.0.1.
type Server struct {
	ln     net.Listener
	srv    *http.Server
	queue  chan *pending
	closed chan struct{}

	mu        sync.Mutex
	seq       int
	inflight  map[string]*pending
	firstNext chan struct{}
	nextAt    time.Time
	initErr   *Result
}

// NewServer starts a fake Runtime API on a free loopback port.
func NewServer() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: listen: %w", err)
	}
	s := &Server{ln: ln, queue: make(chan *pending, 1), closed: make(chan struct{}), inflight: map[string]*pending{}, firstNext: make(chan struct{})}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Addr is host:port, the value of AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server and releases a runtime waiting in /next.
func (s *Server) Close() error {
	s.mu.Lock()
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	s.mu.Unlock()
	return s.srv.Close()
}

// WaitNext returns when the runtime first asks for an event, with the time
// it asked; or an error when ctx ends or gone is closed (the process
// exited) first.
func (s *Server) WaitNext(ctx context.Context, gone <-chan struct{}) (time.Time, error) {
	select {
	case <-s.firstNext:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.nextAt, nil
	case <-gone:
		return time.Time{}, errors.New("runtime exited before asking for an event")
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("runtime did not ask for an event: %w", ctx.Err())
	}
}

// Invoke hands event to the runtime at its next /next and returns what it
// posted back.
func (s *Server) Invoke(ctx context.Context, event []byte) (Result, error) {
	s.mu.Lock()
	s.seq++
	p := &pending{id: fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq), event: event, done: make(chan Result, 1)}
	s.inflight[p.id] = p
	s.mu.Unlock()
	select {
	case s.queue <- p:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("invoke: event not taken: %w", ctx.Err())
	}
	select {
	case r := <-p.done:
		return r, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("invoke %s: no response: %w", p.id, ctx.Err())
	}
}

// InitError returns what the runtime posted to /runtime/init/error, if
// anything.
func (s *Server) InitError() (Result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initErr == nil {
		return Result{}, false
	}
	return *s.initErr, true
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	prefix := "/" + APIVersion + "/runtime/"
	path, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case path == "invocation/next" && r.Method == http.MethodGet:
		s.next(w, r)
	case path == "init/error" && r.Method == http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.initErr = &Result{Body: body, Failed: true, ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	case strings.HasPrefix(path, "invocation/") && r.Method == http.MethodPost:
		id, kind, ok := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		if !ok || (kind != "response" && kind != "error") {
			http.NotFound(w, r)
			return
		}
		s.post(w, r, id, kind == "error")
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	select {
	case <-s.firstNext:
	default:
		s.nextAt = time.Now()
		close(s.firstNext)
	}
	s.mu.Unlock()
	var p *pending
	select {
	case p = <-s.queue:
	case <-s.closed:
		http.Error(w, "runtime API closed", http.StatusGone)
		return
	case <-r.Context().Done():
		return
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", p.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(Deadline).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", FunctionARN)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	s.mu.Lock()
	p.handed = time.Now()
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	w.Write(p.event)
}

func (s *Server) post(w http.ResponseWriter, r *http.Request, id string, failed bool) {
	body, err := io.ReadAll(r.Body)
	at := time.Now()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, ok := s.inflight[id]
	if ok {
		delete(s.inflight, id)
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown request id "+id, http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	p.done <- Result{RequestID: id, Body: body, Failed: failed, ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type"), Elapsed: at.Sub(p.handed)}
}
