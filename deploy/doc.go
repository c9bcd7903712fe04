// Package deploy puts rosys on a robot and replaces it safely: the
// versioned install layout, `rosys install` and `rosys update` /
// `rosys rollback` (cmd/rosys is thin wiring over it). The systemd unit
// lives beside it (rosys.service, embedded).
//
// Layout (paths below Layout.Root, "/" on a robot):
//
//	/opt/rosys/versions/<id>/rosys    every installed binary, <id> = version-sha256[:12]
//	/opt/rosys/versions/<id>/VERSION  what `rosys version` said for it
//	/opt/rosys/current  -> versions/<id>   what the service runs
//	/opt/rosys/previous -> versions/<id>   what ran before (rollback target)
//	/opt/rosys/last-update.json       the last update's outcome
//	/opt/rosys/backups/               exports taken before each update
//	/usr/local/bin/rosys -> /opt/rosys/current/rosys
//	/etc/systemd/system/rosys.service
//	/etc/rosys/robot.yaml             never overwritten once there
//
// Every switch is a symlink written beside its target and renamed over it
// (rename(2) is atomic), then the directory is fsynced: after a power cut
// current names either the old or the new version, never neither.
package deploy
