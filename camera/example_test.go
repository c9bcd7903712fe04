package camera_test

import (
	"context"
	"log"
	"os"

	"github.com/gorosys/rosys/camera"
)

// A network camera captured on its own goroutine; a consumer takes every
// new frame into one buffer of its own.
func Example() {
	ctx := context.Background()
	src, err := camera.NewMJPEG(camera.MJPEGOptions{
		URL:      "http://10.0.0.5/mjpg/video.mjpg",
		Username: "operator", Password: os.Getenv("CAMERA_PASSWORD"),
	})
	if err != nil {
		log.Fatal(err)
	}
	cam, err := camera.New("mast", src, camera.Options{RingFrames: 30, RingBytes: 32 << 20})
	if err != nil {
		log.Fatal(err)
	}
	cam.Start(ctx)
	defer cam.Close()

	sub := cam.Subscribe()
	defer sub.Close()
	var f camera.Frame
	for sub.Next(ctx, &f) == nil {
		log.Printf("frame %d, %dx%d, %d bytes; %d skipped so far", f.Seq, f.Width, f.Height, len(f.JPEG), sub.Dropped())
	}
}
