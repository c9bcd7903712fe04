package persistence

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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Settings connect to a bucket, as Pathway's AwsS3Settings.
type S3Settings struct {
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

// S3 is a Backend under a root path in a bucket.
type S3 struct {
	client *s3.Client
	bucket string
	root   string
	where  string
}

var _ Backend = (*S3)(nil)

// NewS3 connects lazily: errors show on the first request.
func NewS3(rootPath string, st S3Settings) (*S3, error) {
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
	opts := s3.Options{
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
	return &S3{client: s3.New(opts), bucket: st.Bucket, root: root, where: where}, nil
}

func (b *S3) String() string { return b.where }

// Client is the underlying client (tests create buckets with it).
func (b *S3) Client() *s3.Client { return b.client }

func (b *S3) key(name string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return path.Join(b.root, name), nil
}

func (b *S3) wrap(name string, err error) error {
	var nsk *types.NoSuchKey
	var re *smithyhttp.ResponseError
	switch {
	case errors.As(err, &nsk), errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound:
		return fmt.Errorf("%s: %s: %w", b, name, ErrNotFound)
	case errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusPreconditionFailed || re.HTTPStatusCode() == http.StatusConflict):
		return fmt.Errorf("%s: %s: %w", b, name, ErrConflict)
	}
	return fmt.Errorf("%s: %s: %w", b, name, err)
}

// Get implements Backend.
func (b *S3) Get(ctx context.Context, name string) ([]byte, Version, error) {
	k, err := b.key(name)
	if err != nil {
		return nil, "", err
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &k})
	if err != nil {
		return nil, "", b.wrap(name, err)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength > MaxObjectBytes {
		return nil, "", fmt.Errorf("%s: %s: %w: %d bytes, the limit is %d", b, name, ErrTooLarge, *out.ContentLength, MaxObjectBytes)
	}
	// Bounded even when the server sends no length or lies about it.
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxObjectBytes+1))
	if err != nil {
		return nil, "", b.wrap(name, err)
	}
	if int64(len(data)) > MaxObjectBytes {
		return nil, "", fmt.Errorf("%s: %s: %w: more than %d bytes", b, name, ErrTooLarge, MaxObjectBytes)
	}
	if out.ContentLength != nil && int64(len(data)) != *out.ContentLength {
		return nil, "", fmt.Errorf("%s: %s: truncated body (%d of %d bytes)", b, name, len(data), *out.ContentLength)
	}
	return data, Version(aws.ToString(out.ETag)), nil
}

// Put implements Backend with S3 conditional writes (If-None-Match: * and
// If-Match: <etag>).
func (b *S3) Put(ctx context.Context, name string, data []byte, cond Condition) (Version, error) {
	k, err := b.key(name)
	if err != nil {
		return "", err
	}
	in := &s3.PutObjectInput{Bucket: &b.bucket, Key: &k, Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))}
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
	return Version(aws.ToString(out.ETag)), nil
}

// List implements Backend.
func (b *S3) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	full := prefix
	if b.root != "" {
		full = b.root + "/" + prefix
	}
	var out []ObjectInfo
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: &full})
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
			out = append(out, ObjectInfo{Name: name, Size: aws.ToInt64(o.Size), Version: Version(aws.ToString(o.ETag))})
		}
	}
	return out, nil
}

// Delete implements Backend.
func (b *S3) Delete(ctx context.Context, name string) error {
	k, err := b.key(name)
	if err != nil {
		return err
	}
	if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: &k}); err != nil {
		return b.wrap(name, err)
	}
	return nil
}
