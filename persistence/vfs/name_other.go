//go:build !linux

package vfs

// nameFile is unused where OS takes no Names: its operations take the
// names' strings.
type nameFile struct{}
