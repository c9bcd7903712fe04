// Package backend stores objects by name for the mirror's metadata and
// snapshot storage: the [Backend] interface, a [Filesystem] backend (the
// same atomic, durable writes as module files) and a [Memory] backend for
// tests. S3 lives in package backend/s3, so that only a program that uses
// it links the AWS SDK.
//
// Every backend validates object names ([ValidateName]), bounds what it
// reads ([MaxObjectBytes]), and implements conditional writes
// ([Condition]) for the lease and the manifests, which two writers must
// never overwrite silently ([ErrConflict]).
package backend
