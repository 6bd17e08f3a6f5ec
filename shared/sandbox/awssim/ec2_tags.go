package awssim

import (
	"slices"
	"sort"
)

// describeTags answers ec2:DescribeTags for the simulated instances, the
// smallest part of it the finding-notifier's tag lookup needs: filters
// resource-id (values ORed), resource-type ("instance") and key; no other
// resource types; one page (the notifier asks for a few ids at a time).
// Unknown ids are not an error, as in EC2: they have no tags.
func (e *EC2) describeTags(c *Call) (any, error) {
	var ids, types, keys []string
	for _, f := range QueryStructs(c.Form, "Filter") {
		vals := QueryList(f, "Value")
		switch f.Get("Name") {
		case "resource-id":
			ids = append(ids, vals...)
		case "resource-type":
			types = append(types, vals...)
		case "key":
			keys = append(keys, vals...)
		default:
			return nil, NewError(400, "InvalidParameterValue", "The filter '%s' is invalid", f.Get("Name"))
		}
	}
	type item struct {
		ResourceID   string `xml:"resourceId"`
		ResourceType string `xml:"resourceType"`
		Key          string `xml:"key"`
		Value        string `xml:"value"`
	}
	out := struct {
		Tags []item `xml:"tagSet>item"`
	}{}
	if len(types) > 0 && !slices.Contains(types, "instance") {
		return out, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, in := range e.instances {
		if len(ids) > 0 && !slices.Contains(ids, in.InstanceId) {
			continue
		}
		for _, t := range in.Tags {
			if len(keys) == 0 || slices.Contains(keys, t.Key) {
				out.Tags = append(out.Tags, item{ResourceID: in.InstanceId, ResourceType: "instance", Key: t.Key, Value: t.Value})
			}
		}
	}
	sort.Slice(out.Tags, func(i, j int) bool {
		a, b := out.Tags[i], out.Tags[j]
		return a.ResourceID < b.ResourceID || a.ResourceID == b.ResourceID && a.Key < b.Key
	})
	return out, nil
}
