package s3_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

func TestS3Backend(t *testing.T) {
	srv := persistencetest.StartS3(t)
	n := 0
	persistencetest.TestBackend(t, func(t *testing.T) backend.Backend {
		n++ // each test gets its own root in the bucket, so it starts empty
		b, err := s3.New(fmt.Sprintf("robots/test-%d", n), srv.Settings())
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestS3WrongCredentials(t *testing.T) {
	srv := persistencetest.StartS3(t)
	st := srv.Settings()
	st.SecretKey = "wrong"
	b, _ := s3.New("robots/demo", st)
	_, err := b.Put(context.Background(), "x.json", []byte("1"), backend.Condition{})
	if err == nil || !strings.Contains(err.Error(), srv.Endpoint) || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("%v", err)
	}
}

func TestS3ServerDownAndBack(t *testing.T) {
	srv := persistencetest.StartS3(t)
	b, _ := s3.New("robots/demo", srv.Settings())
	ctx := context.Background()
	if _, err := b.Put(ctx, "model.json", []byte(`{"value":1}`), backend.Condition{}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _, err := b.Get(short, "model.json")
	if err == nil || errors.Is(err, backend.ErrNotFound) || !strings.Contains(err.Error(), srv.Endpoint) {
		t.Fatalf("with the server down: %v", err)
	}
	srv.Start()
	got, _, err := b.Get(ctx, "model.json")
	if err != nil || string(got) != `{"value":1}` {
		t.Fatalf("after restart: %q %v", got, err)
	}
}
