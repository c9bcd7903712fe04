// Command hello is the start-up baseline: a static Go binary that prints
// READY and waits for SIGTERM, with no runtime behind it.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("READY")
	<-c
}
