package evidencepack

// GroupTitle exposes groupTitle to the external tests.
var GroupTitle = groupTitle
