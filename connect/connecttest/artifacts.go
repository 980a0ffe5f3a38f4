package connecttest

// Artifacts returns a copy of the artifacts that the session with the given id uploaded
// (Session.AddArtifacts, AddFiles, CopyFromLocalToFS, cached local relations), by name:
// "jars/udfs.jar", "files/lookup.csv", "cache/<sha-256>", ...
func (s *Server) Artifacts(sessionID string) map[string][]byte {
	return s.fake.Artifacts(sessionID)
}
