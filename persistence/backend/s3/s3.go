package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Settings connect to a bucket, as Pathway's AwsS3Settings.
type Settings struct {
	Bucket string
	// Endpoint is host:port of an S3-compatible store (MinIO, versitygw,
	// Garage); empty for AWS.
	Endpoint string
	Region   string // default $AWS_REGION, else us-east-1
	// AccessKey and SecretKey; empty takes AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment.
	AccessKey, SecretKey string
	TLS                  bool // https to Endpoint
	PathStyle            bool // bucket in the path, as most S3-compatible stores want
	// Timeout bounds each request (default 30 s).
	Timeout time.Duration
}

// Backend is a backend.Backend under a root path in a bucket.
type Backend struct {
	client *awss3.Client
	bucket string
	root   string
	where  string
}

var _ backend.Backend = (*Backend)(nil)

// New connects lazily: errors show on the first request.
func New(rootPath string, st Settings) (*Backend, error) {
	if st.Bucket == "" {
		return nil, errors.New("s3 backend: no bucket")
	}
	if st.Region == "" {
		st.Region = os.Getenv("AWS_REGION")
	}
	if st.Region == "" {
		st.Region = "us-east-1"
	}
	if st.AccessKey == "" {
		st.AccessKey, st.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	if st.Timeout <= 0 {
		st.Timeout = 30 * time.Second
	}
	opts := awss3.Options{
		Region:       st.Region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(st.AccessKey, st.SecretKey, os.Getenv("AWS_SESSION_TOKEN"))),
		UsePathStyle: st.PathStyle,
		// S3-compatible stores often lack the newer default checksums.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		HTTPClient:                 &http.Client{Timeout: st.Timeout},
	}
	where := "s3://" + st.Bucket
	if st.Endpoint != "" {
		scheme := "http://"
		if st.TLS {
			scheme = "https://"
		}
		opts.BaseEndpoint = aws.String(scheme + st.Endpoint)
		where = scheme + st.Endpoint + "/" + st.Bucket
	}
	root := strings.Trim(rootPath, "/")
	if root != "" {
		where += "/" + root
	}
	return &Backend{client: awss3.New(opts), bucket: st.Bucket, root: root, where: where}, nil
}

func (b *Backend) String() string { return b.where }

// Location is the backend's bucket and root path.
func (b *Backend) Location() (bucket, root string) { return b.bucket, b.root }

// Client is the underlying client (tests create buckets with it).
func (b *Backend) Client() *awss3.Client { return b.client }

func (b *Backend) key(name string) (string, error) {
	if err := backend.ValidateName(name); err != nil {
		return "", err
	}
	return path.Join(b.root, name), nil
}

func (b *Backend) wrap(name string, err error) error {
	var nsk *types.NoSuchKey
	var re *smithyhttp.ResponseError
	switch {
	case errors.As(err, &nsk), errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound:
		return fmt.Errorf("%s: %s: %w", b, name, backend.ErrNotFound)
	case errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusPreconditionFailed || re.HTTPStatusCode() == http.StatusConflict):
		return fmt.Errorf("%s: %s: %w", b, name, backend.ErrConflict)
	}
	return fmt.Errorf("%s: %s: %w", b, name, err)
}

// Get implements backend.Backend.
func (b *Backend) Get(ctx context.Context, name string) ([]byte, backend.Version, error) {
	k, err := b.key(name)
	if err != nil {
		return nil, "", err
	}
	out, err := b.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: &b.bucket, Key: &k})
	if err != nil {
		return nil, "", b.wrap(name, err)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength > backend.MaxObjectBytes {
		return nil, "", fmt.Errorf("%s: %s: %w: %d bytes, the limit is %d", b, name, vfs.ErrTooLarge, *out.ContentLength, backend.MaxObjectBytes)
	}
	// Bounded even when the server sends no length or lies about it.
	data, err := io.ReadAll(io.LimitReader(out.Body, backend.MaxObjectBytes+1))
	if err != nil {
		return nil, "", b.wrap(name, err)
	}
	if int64(len(data)) > backend.MaxObjectBytes {
		return nil, "", fmt.Errorf("%s: %s: %w: more than %d bytes", b, name, vfs.ErrTooLarge, backend.MaxObjectBytes)
	}
	if out.ContentLength != nil && int64(len(data)) != *out.ContentLength {
		return nil, "", fmt.Errorf("%s: %s: truncated body (%d of %d bytes)", b, name, len(data), *out.ContentLength)
	}
	return data, backend.Version(aws.ToString(out.ETag)), nil
}

// Put implements backend.Backend with S3 conditional writes (If-None-Match: * and
// If-Match: <etag>).
func (b *Backend) Put(ctx context.Context, name string, data []byte, cond backend.Condition) (backend.Version, error) {
	k, err := b.key(name)
	if err != nil {
		return "", err
	}
	in := &awss3.PutObjectInput{Bucket: &b.bucket, Key: &k, Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))}
	if cond.IfAbsent {
		in.IfNoneMatch = aws.String("*")
	}
	if cond.IfMatch != "" {
		in.IfMatch = aws.String(string(cond.IfMatch))
	}
	out, err := b.client.PutObject(ctx, in)
	if err != nil {
		return "", b.wrap(name, err)
	}
	return backend.Version(aws.ToString(out.ETag)), nil
}

// List implements backend.Backend.
func (b *Backend) List(ctx context.Context, prefix string) ([]backend.ObjectInfo, error) {
	full := prefix
	if b.root != "" {
		full = b.root + "/" + prefix
	}
	var out []backend.ObjectInfo
	p := awss3.NewListObjectsV2Paginator(b.client, &awss3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: &full})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, b.wrap(prefix, err)
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), b.root+"/")
			if b.root == "" {
				name = aws.ToString(o.Key)
			}
			out = append(out, backend.ObjectInfo{Name: name, Size: aws.ToInt64(o.Size), Version: backend.Version(aws.ToString(o.ETag))})
		}
	}
	return out, nil
}

// Delete implements backend.Backend.
func (b *Backend) Delete(ctx context.Context, name string) error {
	k, err := b.key(name)
	if err != nil {
		return err
	}
	if _, err := b.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &b.bucket, Key: &k}); err != nil {
		return b.wrap(name, err)
	}
	return nil
}
