import HugePages
import Parallel

extension SharedPointer {
    /// Fresh storage for `capacity` elements (advised for huge pages when large); the caller frees it.
    init(capacity: Int) {
        self.init(.allocate(capacity: max(capacity, 1)))
        HugePages.advise(pointer, count: capacity)
    }
}
