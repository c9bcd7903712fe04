package mirror

// What package fleet reads from other robots' metadata storage.

// ManifestPrefix is where a robot's manifests live under its root.
const ManifestPrefix = "manifests/"

// DecodeManifest decodes and checks a manifest object.
func DecodeManifest(b []byte) (Manifest, error) { return decodeManifest(b) }

// Checksum is the checksum a manifest names an object by.
func Checksum(b []byte) string { return checksum(b) }
