package detect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A node as learning_loop_node serves it: POST /detect, the image in the
// multipart field "file", the camera in camera-id.
func fakeNode(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(answer))
	t.Cleanup(s.Close)
	return s
}

func TestLearningLoopDetect(t *testing.T) {
	jpeg := []byte{0xff, 0xd8, 1, 2, 3, 0xff, 0xd9}
	var gotCamera string
	var gotImage []byte
	node := fakeNode(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/detect" {
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		gotImage, _ = io.ReadAll(f)
		gotCamera = r.Header.Get("camera-id")
		fmt.Fprint(w, `{"box_detections": [{"category_name": "weed", "x": 10, "y": 20, "width": 30, "height": 40, "model_name": "m1", "confidence": 0.8, "category_id": "c"}],
			"point_detections": [{"category_name": "crop", "x": 100.5, "y": 200.25, "model_name": "m1", "confidence": 0.9}],
			"segmentation_detections": [], "classification_detections": [], "tags": [], "created": "2026-12-07_12:00:00.000"}`)
	})
	ll, err := NewLearningLoop(node.URL+"/", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	dets, err := ll.Detect(context.Background(), Image{Camera: "front", JPEG: jpeg, Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotImage, jpeg) || gotCamera != "front" {
		t.Fatalf("node got image %v camera %q", gotImage, gotCamera)
	}
	want := []Detection{
		{Category: "weed", Confidence: 0.8, X: 10, Y: 20, W: 30, H: 40, Model: "m1"},
		{Category: "crop", Confidence: 0.9, X: 100.5, Y: 200.25, Model: "m1"},
	}
	if fmt.Sprint(dets) != fmt.Sprint(want) {
		t.Fatalf("detections %+v, want %+v", dets, want)
	}
	if u, v := dets[0].Center(); u != 25 || v != 40 || !dets[0].Box() || dets[1].Box() {
		t.Fatalf("box centre %v %v", u, v)
	}
}

// A node that answers late, too much, wrongly or with nonsense is an
// error, never a hang or unbounded memory.
func TestLearningLoopRefusesBadAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		want   string
	}{
		{"never answers", func(w http.ResponseWriter, r *http.Request) {
			// The body read whole, the server notices the client hang up.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}, "Timeout"},
		{"huge", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"box_detections": [`))
			chunk := []byte(strings.Repeat(" ", 1<<16))
			for range MaxResponseBytes/len(chunk) + 2 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "larger than"},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "model not loaded", 500) }, "500 Internal Server Error: model not loaded"},
		{"not json", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }, "not the node's JSON"},
		{"no x", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"point_detections": [{"category_name": "a", "y": 1, "confidence": 1}]}`))
		}, "without x or y"},
		{"negative box", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"box_detections": [{"category_name": "a", "x": 1, "y": 1, "width": -5, "height": 1, "confidence": 1}]}`))
		}, "out of bounds"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://example.com/", http.StatusFound)
		}, "302"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := fakeNode(t, tc.answer)
			timeout := 10 * time.Second
			if tc.want == "Timeout" {
				timeout = 300 * time.Millisecond
			}
			ll, err := NewLearningLoop(node.URL, timeout)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ll.Detect(context.Background(), Image{JPEG: []byte{1}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error holding %q", err, tc.want)
			}
		})
	}
	if _, err := NewLearningLoop("ftp://x", 0); err == nil {
		t.Fatal("ftp URL accepted")
	}
}

// More than MaxDetections are cut to the most confident.
func TestLearningLoopBoundsDetections(t *testing.T) {
	node := fakeNode(t, func(w http.ResponseWriter, r *http.Request) {
		var sb strings.Builder
		sb.WriteString(`{"point_detections": [`)
		for i := range MaxDetections + 10 {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"category_name": "p", "x": %d, "y": 0, "confidence": %g}`, i, float64(i)/float64(MaxDetections+10))
		}
		sb.WriteString("]}")
		w.Write([]byte(sb.String()))
	})
	ll, _ := NewLearningLoop(node.URL, time.Second)
	dets, err := ll.Detect(context.Background(), Image{JPEG: []byte{1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) != MaxDetections || dets[0].X != MaxDetections+9 || dets[len(dets)-1].X != 10 {
		t.Fatalf("%d detections, first %v last %v", len(dets), dets[0], dets[len(dets)-1])
	}
}
