import Link from "next/link";

export default function NotFound() {
  return (
    <div className="state state-empty">
      <h1>Not found</h1>
      <p>
        There is no such page. <Link href="/">Back to the overview</Link>
      </p>
    </div>
  );
}
