"""men.men_min_theta for the presets' rotary dims at the app's contexts, made by rope_core.men's own sweep.

Regenerate (rewrites this file): `python -m rope_core.men_table`. tests/test_men.py recomputes entries.
"""

TABLE_RTOL = 1e-3  # the rtol of every entry's sweep
ROTARY_DIMS = (24, 64, 96, 128, 256)  # every preset's rotary dim
CONTEXTS = tuple(2**k for k in range(8, 21))  # the app's contexts, 256 … 1,048,576

# (rotary dim, context) → smallest admissible rope_theta; a missing pair is searched live
MIN_THETA: dict[tuple[int, int], float] = {
    (24, 256): 3844.7545852770368,
    (24, 512): 16640.58623506809,
    (24, 1024): 101198.581032342,
    (24, 2048): 555624.9016973937,
    (24, 4096): 3249778.779494684,
    (24, 8192): 13720111.626080971,
    (24, 16384): 70367833.78702268,
    (24, 32768): 341692584.1515075,
    (64, 256): 1412.306532609599,
    (64, 512): 3438.907780459128,
    (64, 1024): 7752.983053699277,
    (64, 2048): 29617.049222157195,
    (64, 4096): 100070.29820357062,
    (64, 8192): 323744.15847821184,
    (64, 16384): 1358604.8138812357,
    (64, 32768): 3788343.6295254524,
    (64, 65536): 4867184.862245478,
    (96, 256): 812.6983419320316,
    (96, 512): 2094.656413368371,
    (96, 1024): 4956.94041473774,
    (96, 2048): 18741.91335550392,
    (96, 4096): 54600.177452226904,
    (96, 8192): 103141.25881766871,
    (96, 16384): 500217.57160995493,
    (96, 32768): 726714.2763786822,
    (96, 65536): 4773656.590053912,
    (128, 256): 889.870794908012,
    (128, 512): 2065.8137935371224,
    (128, 1024): 4293.437987742716,
    (128, 2048): 11587.245274054103,
    (128, 4096): 26952.34192192023,
    (128, 8192): 83763.84889246646,
    (128, 16384): 231643.66993595855,
    (128, 32768): 629978.312495506,
    (128, 65536): 2090179.8772453938,
    (128, 131072): 4869104.797981012,
    (128, 262144): 23662398.991337303,
    (128, 524288): 58496179.0395395,
    (128, 1048576): 65374958.67080983,
    (256, 256): 562.857078467139,
    (256, 512): 1280.6425457217865,
    (256, 1024): 2967.5059773300945,
    (256, 2048): 6563.948462262633,
    (256, 4096): 17732.63765463585,
    (256, 8192): 41307.38722987657,
    (256, 16384): 103607.68424420682,
    (256, 32768): 223815.3215961375,
    (256, 65536): 665843.1792125874,
}


def render(table: dict[tuple[int, int], float]) -> str:
    """This file's text with `table` as MIN_THETA."""
    with open(__file__, encoding="utf-8") as f:
        text = f.read()
    head, rest = text.split("MIN_THETA: dict[tuple[int, int], float] = {\n", 1)
    rows = "".join(f"    ({d}, {length}): {table[(d, length)]!r},\n" for d, length in sorted(table))
    return head + "MIN_THETA: dict[tuple[int, int], float] = {\n" + rows + rest[rest.index("}\n"):]


if __name__ == "__main__":
    from rope_core.men import min_theta_table

    new = render(min_theta_table(ROTARY_DIMS, CONTEXTS))
    with open(__file__, "w", encoding="utf-8") as f:
        f.write(new)
