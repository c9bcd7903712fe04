// Package vm is make test-pi: the robot installed, updated, powered off
// and cut from power in an arm64 Debian bookworm with systemd under
// qemu-system-aarch64 (image.sh builds and caches the system; pi_test.go
// is the scenario, harness_test.go boots and drives the machine; agent
// and testprog are the guest's helper programs). See docs/deploying.md.
package vm
