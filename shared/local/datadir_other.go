//go:build !unix

package local

import "io/fs"

// Outside Unix there is no O_NOFOLLOW; notALink's check before each open
// stands alone.
const noFollow = 0

func isLinkRefusal(error) bool { return false }

// Windows keeps ownership and write access in ACLs, which a user's profile
// directory already restricts; its mode bits say nothing of either.
func onlyCurrentUserWrites(string, fs.FileInfo) error { return nil }

// syncDir: Windows opens no directory to flush; NTFS journals the rename.
func syncDir(string) error { return nil }
