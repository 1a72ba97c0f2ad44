extension CohortTable {
    /// Checks that no identifier in the text column `name` appears on two rows (missing cells are
    /// not compared). Output rows are keyed by id, so a repeated id would make two people one, as
    /// in R, where `matchit` on data with duplicate row names fails ("duplicate 'row.names' are
    /// not allowed"). Identifier columns are read without interning (one level per cell), so
    /// the texts are compared through a hash table (one pass).
    /// - Throws: `CohortDataError.duplicateIdentifier` naming both lines.
    public func checkUniqueIdentifiers(_ name: String) throws {
        let column = try self.column(name)
        guard case .text(let codes, let levels) = column.values else { return }
        var firstRow = [String: Int](minimumCapacity: rowCount)
        for (row, code) in codes.enumerated() where code >= 0 {
            if let first = firstRow.updateValue(row, forKey: levels[Int(code)]) {
                throw CohortDataError.duplicateIdentifier(file: file, line: line(ofRow: row), column: name,
                                                          value: levels[Int(code)], firstLine: line(ofRow: first))
            }
        }
    }
}
