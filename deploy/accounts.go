package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// maxAccountsFile bounds /etc/passwd and /etc/group as read here.
const maxAccountsFile = 4 << 20

// groups reads <root>/etc/group: each group's members.
func (l Layout) groups() (map[string][]string, error) {
	b, err := readBounded(l.path("/etc/group"), maxAccountsFile)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 4 || f[0] == "" {
			continue
		}
		var members []string
		if f[3] != "" {
			members = strings.Split(f[3], ",")
		}
		out[f[0]] = members
	}
	return out, sc.Err()
}

// hasUser tells whether <root>/etc/passwd names user.
func (l Layout) hasUser(user string) (bool, error) {
	b, err := readBounded(l.path("/etc/passwd"), maxAccountsFile)
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && name == user {
			return true, nil
		}
	}
	return false, nil
}

// existingGroups are the wanted groups the system has, and those of them
// user is not yet a member of.
func (l Layout) existingGroups(user string, wanted []string) (have, missing []string, err error) {
	all, err := l.groups()
	if err != nil {
		return nil, nil, fmt.Errorf("reading groups: %w", err)
	}
	for _, g := range wanted {
		members, ok := all[g]
		if !ok {
			continue
		}
		have = append(have, g)
		if !slices.Contains(members, user) {
			missing = append(missing, g)
		}
	}
	return have, missing, nil
}
