package camera

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Network cameras ask for HTTP Basic or Digest authentication (RFC 7617,
// RFC 7616). A source sends its first request without credentials, answers
// the camera's challenge once, and keeps a Digest challenge for the next
// requests (counting nc up) until the camera sends a new one.

// challenge is a parsed WWW-Authenticate header.
type challenge struct {
	scheme string // "basic" or "digest"
	params map[string]string
}

// parseChallenge reads the first Basic or Digest challenge of a
// WWW-Authenticate value (cameras send one; when they send both, Digest
// first is the usual order and the stronger one).
func parseChallenge(h string) (challenge, error) {
	if len(h) > 4096 {
		return challenge{}, fmt.Errorf("WWW-Authenticate of %d bytes", len(h))
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	ch := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
	if ch.scheme != "basic" && ch.scheme != "digest" {
		return ch, fmt.Errorf("authentication scheme %q: only Basic and Digest are supported", scheme)
	}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimLeft(strings.TrimSpace(rest), ",") {
		rest = strings.TrimSpace(rest)
		k, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		after = strings.TrimSpace(after)
		var v string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 {
				return ch, fmt.Errorf("WWW-Authenticate: unterminated quote after %s", k)
			}
			v, rest = after[1:1+end], after[2+end:]
		} else {
			v, rest, _ = strings.Cut(after, ",")
			v = strings.TrimSpace(v)
		}
		ch.params[k] = v
		if strings.Contains(k, " ") { // a second challenge begins: stop at the first
			delete(ch.params, k)
			break
		}
	}
	return ch, nil
}

// digest counts the requests answered to one Digest challenge (nc).
type digest struct {
	nc int
}

// authorization returns the Authorization header for a request.
func authorization(ch challenge, d *digest, user, pass, method, uri string) (string, error) {
	if ch.scheme == "basic" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)), nil
	}
	var newHash func() hash.Hash
	algo := ch.params["algorithm"]
	switch strings.ToUpper(algo) {
	case "", "MD5", "MD5-SESS":
		newHash = md5.New
	case "SHA-256", "SHA-256-SESS":
		newHash = sha256.New
	default:
		return "", fmt.Errorf("digest algorithm %q: only MD5 and SHA-256 are supported", algo)
	}
	h := func(s string) string {
		x := newHash()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	realm, nonce := ch.params["realm"], ch.params["nonce"]
	if nonce == "" {
		return "", fmt.Errorf("digest challenge without a nonce")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	cnonce := hex.EncodeToString(b[:])
	d.nc++
	nc := fmt.Sprintf("%08x", d.nc)
	qop := ""
	for _, q := range strings.Split(ch.params["qop"], ",") {
		if strings.TrimSpace(q) == "auth" {
			qop = "auth"
		}
	}
	if ch.params["qop"] != "" && qop == "" {
		return "", fmt.Errorf("digest qop %q: only auth is supported", ch.params["qop"])
	}
	return digestHeader(h, user, pass, realm, nonce, method, uri, qop, nc, cnonce, algo, ch.params["opaque"]), nil
}

// digestHeader computes the response of RFC 7616 section 3.4.1.
func digestHeader(h func(string) string, user, pass, realm, nonce, method, uri, qop, nc, cnonce, algo, opaque string) string {
	ha1 := h(user + ":" + realm + ":" + pass)
	if strings.HasSuffix(strings.ToUpper(algo), "-SESS") {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	ha2 := h(method + ":" + uri)
	var resp string
	if qop == "" {
		resp = h(ha1 + ":" + nonce + ":" + ha2)
	} else {
		resp = h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	}
	var s strings.Builder
	fmt.Fprintf(&s, `Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`, user, realm, nonce, uri, resp)
	if algo != "" {
		fmt.Fprintf(&s, ", algorithm=%s", algo)
	}
	if opaque != "" {
		fmt.Fprintf(&s, `, opaque="%s"`, opaque)
	}
	if qop != "" {
		fmt.Fprintf(&s, `, qop=%s, nc=%s, cnonce="%s"`, qop, nc, cnonce)
	}
	return s.String()
}
