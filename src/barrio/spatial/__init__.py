"""Where crime concentrates: grids, KDE, Gi*, local and global Moran, emerging hotspots,
concentration metrics, near repeat and the priority-neighborhood index.

Every function here is pure: it takes arrays, DataFrames or GeoDataFrames and returns arrays,
DataFrames or small result objects. Modules are imported on demand so that ``import barrio``
stays light:

- :mod:`barrio.spatial.weights`: spatial weights as sparse matrices (contiguity, grids, k-NN).
- :mod:`barrio.spatial.inference`: conditional-randomisation permutations and FDR.
- :mod:`barrio.spatial.local`: Getis-Ord Gi* and local Moran.
- :mod:`barrio.spatial.moran`: global Moran's I and Geary's C.
- :mod:`barrio.spatial.grid`: square and H3 grids, counts.
- :mod:`barrio.spatial.kde`: kernel density estimation on grids.
- :mod:`barrio.spatial.concentration`: Lorenz, Gini, PAI, PEI, RRI, WDD, Poisson e-test.
- :mod:`barrio.spatial.nearrepeat`: Knox tables, Near Repeat Calculator compatible.
- :mod:`barrio.spatial.emerging`: space-time Gi*, Mann-Kendall, emerging hotspot categories.
- :mod:`barrio.spatial.priority`: the priority-neighborhood index and its stability.
- :mod:`barrio.spatial.service`: file-level entry points used by the CLI.
"""
