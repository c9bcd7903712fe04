package s3

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// Dirs lists the "directories" directly under prefix (which is "" or ends
// in "/"): the common prefixes of the names below it, each ending in "/",
// relative to the root. It reads at most max of them, and fails beyond,
// so a bucket with millions of objects is never walked whole: `rosys fleet
// list` finds the robots' roots with it.
func (b *Backend) Dirs(ctx context.Context, prefix string, max int) ([]string, error) {
	full := prefix
	if b.root != "" {
		full = b.root + "/" + prefix
	}
	delim := "/"
	var out []string
	p := awss3.NewListObjectsV2Paginator(b.client, &awss3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: &full, Delimiter: &delim})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, b.wrap(prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			name := aws.ToString(cp.Prefix)
			if b.root != "" {
				name = strings.TrimPrefix(name, b.root+"/")
			}
			out = append(out, name)
			if len(out) > max {
				return nil, fmt.Errorf("%s: more than %d directories under %q", b, max, prefix)
			}
		}
	}
	return out, nil
}
