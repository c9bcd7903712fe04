// Package s3 is the S3 backend: objects under a root path in a bucket of
// AWS S3 or an S3-compatible store (MinIO, versitygw, Garage), with S3's
// conditional writes (If-None-Match, If-Match) for the mirror's lease and
// manifests. It is the only package of the runtime that imports the AWS
// SDK; test helpers (persistencetest, bench) use the SDK's client only to
// create buckets.
//
// Every request is bounded by Settings.Timeout, and every body by
// backend.MaxObjectBytes, whatever Content-Length says.
package s3
