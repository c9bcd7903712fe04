package config

import (
	"fmt"
	"strings"
)

// maxModuleKeyLen is the store's limit on a module key (file names stay
// well below 255 bytes with their suffixes).
const maxModuleKeyLen = 128

// reservedKeyParts are name fragments the store uses for its own files
// (temporaries, the previous generation, files set aside, its envelope).
// A key holding one could be swept, hidden or mistaken for such a file.
var reservedKeyParts = []string{".tmp-", ".prev", ".corrupt-", ".rosys-go", ".."}

// checkModuleKey is robot.yaml's rule for a module key (a history
// override names one). It is deliberately no looser than the store's own
// key rule (package persistence, which config must not import): letters,
// digits, '_', '.' and '-', starting with a letter, digit or '_', at most
// 128 bytes, and none of the store's reserved fragments. A key it refuses
// can never name a module of this robot's store either way, so refusing
// it loses nothing and keeps a path like "../../etc" out of everything
// that later joins keys into file names.
func checkModuleKey(key string) error { return checkName("module key", key) }

// checkName holds a name that becomes part of file or object names (a
// module key; the robot's name, which names its daily archives and its
// manifests) to the module key rule; what says which name it is.
func checkName(what, key string) error {
	if key == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if len(key) > maxModuleKeyLen {
		return fmt.Errorf("%s %.20q… is longer than %d bytes", what, key, maxModuleKeyLen)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
		if !letter && (i == 0 || c != '.' && c != '-') {
			return fmt.Errorf("%s %q has %q at %d; use A-Z a-z 0-9 _ . -, starting with a letter, digit or _", what, key, c, i)
		}
	}
	for _, r := range reservedKeyParts {
		if strings.Contains(key, r) {
			return fmt.Errorf("%s %q holds %q, which the store reserves for its own files", what, key, r)
		}
	}
	return nil
}

// minTokenLen: a token is all that stands between the network and the
// robot's wheels; 16 characters is the shortest a guess-resistant random
// token is (openssl rand -hex 8 gives exactly 16).
const minTokenLen = 16

// maxTokenLen bounds what the API compares on every request.
const maxTokenLen = 1024

// checkToken is the rule for http_token and ROSYS_HTTP_TOKEN: printable
// ASCII without spaces (it travels in an Authorization header, where
// blanks are trimmed or split), 16 to 1024 characters. "" means no token.
func checkToken(tok string) error {
	if tok == "" {
		return nil
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("has a blank, control or non-ASCII character at %d; use printable ASCII without spaces (openssl rand -hex 16)", i)
		}
	}
	if len(tok) < minTokenLen {
		return fmt.Errorf("is %d characters, want at least %d (openssl rand -hex 16)", len(tok), minTokenLen)
	}
	if len(tok) > maxTokenLen {
		return fmt.Errorf("is %d characters, want at most %d", len(tok), maxTokenLen)
	}
	return nil
}
