// Package fleet sees and recovers the robots that share one bucket, each
// under its own root_path, from their manifests (package mirror): `rosys
// fleet list` and `rosys fleet restore`. It only reads the bucket; it
// never writes a lease or a manifest, so it is safe while the robots run.
package fleet
